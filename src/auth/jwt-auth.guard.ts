import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext, type Type } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import type { Repository } from 'typeorm';
import { ACCESS_METADATA } from '../common/access/access.constants.js';
import type { AccessMetadata, AccessRule, AccessRuleSource } from '../common/access/access-rule.js';
import { User, USER_ROLES } from '../users/user.entity.js';
import type { AuthUser, JwtPayload } from './auth-user.js';

export type AuthenticatedRequest = FastifyRequest & { user?: AuthUser };

/**
 * The application's global guard: enforces the access rule that @Authenticated(), @Roles(),
 * @AdminOnly() and @AccessFrom() put on a handler or controller. 401 when the bearer token is
 * missing, malformed, forged or expired; 403 when it is valid but the holder's role is not among
 * the rule's roles. Handlers without a rule are public and cost one metadata lookup.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly jwt: JwtService,
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const metadata = this.reflector.getAllAndOverride<AccessMetadata | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    const rule = typeof metadata === 'function' ? this.resolve(metadata) : metadata;
    if (!rule) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.user = await this.authenticate(request);
    if (rule.roles.length && !rule.roles.includes(request.user.role)) {
      throw new ForbiddenException(`This endpoint requires the ${rule.roles.join(' or ')} role`);
    }
    return true;
  }

  private resolve(source: Type<AccessRuleSource>): AccessRule | undefined {
    return this.moduleRef.get(source, { strict: false }).accessRule();
  }

  private async authenticate(request: FastifyRequest): Promise<AuthUser> {
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw new UnauthorizedException('A bearer token is required');
    }
    let payload: JwtPayload;
    try {
      payload = await this.jwt.verifyAsync<JwtPayload>(token, { algorithms: ['HS256'] });
    } catch {
      throw new UnauthorizedException('The bearer token is invalid or expired');
    }
    if (!Number.isInteger(payload.sub) || !USER_ROLES.includes(payload.role)) {
      throw new UnauthorizedException('The bearer token is invalid or expired');
    }
    // The stored role wins over the token's, so deleting or demoting a user takes effect at once.
    const user = await this.users.findOne({ where: { id: payload.sub }, select: { id: true, role: true } });
    if (!user) throw new UnauthorizedException('The user of this token no longer exists');
    return { id: user.id, role: user.role, tokenExpiresAt: payload.exp === undefined ? undefined : payload.exp * 1000 };
  }
}
