import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  ValidationPipe,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type ModuleMetadata,
} from '@nestjs/common';
import { APP_GUARD, ModuleRef, Reflector } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ACCESS_METADATA } from '../../src/common/access/access.constants.js';
import type { AccessMetadata } from '../../src/common/access/access-rule.js';

/** The header the stub guard takes the caller's role from; without it the caller is anonymous. */
export const ROLE_HEADER = 'x-test-role';

/**
 * Stands in for the host application's global guard: it enforces the access metadata the modules
 * declare (@AdminOnly(), @AccessFrom()) with the role named in ROLE_HEADER instead of a token.
 */
@Injectable()
class StubAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const metadata = this.reflector.getAllAndOverride<AccessMetadata | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    const rule = typeof metadata === 'function' ? this.moduleRef.get(metadata, { strict: false }).accessRule() : metadata;
    if (!rule) return true;
    const role = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[ROLE_HEADER];
    if (typeof role !== 'string') throw new UnauthorizedException();
    if (rule.roles.length && !rule.roles.includes(role)) throw new ForbiddenException();
    return true;
  }
}

/** A Nest app (on Fastify) with only the given modules and the stub guard, as another service would host them. */
export async function createBareApp(metadata: ModuleMetadata): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    ...metadata,
    providers: [...(metadata.providers ?? []), { provide: APP_GUARD, useClass: StubAccessGuard }],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.init();
  // Fastify adds the routes once its plugins have loaded: supertest's requests need them all.
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
