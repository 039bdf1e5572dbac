import { applyDecorators, createParamDecorator, SetMetadata, UseGuards, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { UserRole } from '../users/user.entity.js';
import { ROLES_METADATA } from './auth.constants.js';
import type { AuthUser } from './auth-user.js';
import { JwtAuthGuard, type AuthenticatedRequest } from './jwt-auth.guard.js';

/** Any signed-in user (401 without a valid bearer token). */
export function Authenticated(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(JwtAuthGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing, invalid or expired bearer token' }),
  );
}

/** A signed-in user with one of these roles (401 without a valid token, 403 with another role). */
export function Roles(...roles: UserRole[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ROLES_METADATA, roles),
    Authenticated(),
    ApiForbiddenResponse({ description: `Requires the ${roles.join(' or ')} role` }),
  );
}

/** Admin-only endpoints: the rule every operations endpoint uses. */
export function AdminOnly(): MethodDecorator & ClassDecorator {
  return Roles('admin');
}

/** The verified holder of the request's bearer token; use with @Authenticated() or @Roles(). */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AuthUser => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('@CurrentUser() used on a handler without @Authenticated()');
  return user;
});
