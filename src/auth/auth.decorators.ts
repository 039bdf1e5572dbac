import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthUser } from './auth-user.js';
import type { AuthenticatedRequest } from './jwt-auth.guard.js';

/** The verified holder of the request's bearer token; use on handlers with an access rule (@Authenticated(), @Roles(), …). */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AuthUser => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('@CurrentUser() used on a handler without an access rule');
  return user;
});
