import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { User, USER_ROLES, type UserRole } from '../users/user.entity.js';
import { ROLES_METADATA } from './auth.constants.js';
import type { AuthUser, JwtPayload } from './auth-user.js';

export type AuthenticatedRequest = Request & { user?: AuthUser };

/**
 * 401 when the bearer token is missing, malformed, forged or expired; 403 when it is valid
 * but the holder's role is not among the roles the handler requires.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly jwt: JwtService,
    private readonly reflector: Reflector,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_METADATA, [context.getHandler(), context.getClass()]);
    await this.authorize(context.switchToHttp().getRequest<AuthenticatedRequest>(), roles ?? []);
    return true;
  }

  /** Authenticates the request (401) and checks the role (403); also used by guards whose rule is configurable. */
  async authorize(request: AuthenticatedRequest, roles: readonly UserRole[]): Promise<AuthUser> {
    request.user = await this.authenticate(request);
    if (roles.length && !roles.includes(request.user.role)) {
      throw new ForbiddenException(`This endpoint requires the ${roles.join(' or ')} role`);
    }
    return request.user;
  }

  private async authenticate(request: Request): Promise<AuthUser> {
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
