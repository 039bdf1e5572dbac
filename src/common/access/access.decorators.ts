import { applyDecorators, SetMetadata, type Type } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ACCESS_METADATA } from './access.constants.js';
import type { AccessMetadata, AccessRuleSource } from './access-rule.js';

/*
 * Metadata only: these decorators name the rule, and the application's global guard enforces it
 * (401 without a valid bearer token, 403 with another role). A module that uses them imports no
 * guard, so it lifts into any Nest app whose guard reads ACCESS_METADATA.
 */

function access(metadata: AccessMetadata, forbidden?: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_METADATA, metadata),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing, invalid or expired bearer token' }),
    ...(forbidden ? [ApiForbiddenResponse({ description: forbidden })] : []),
  );
}

/** Any signed-in caller. */
export function Authenticated(): MethodDecorator & ClassDecorator {
  return access({ roles: [] });
}

/** A signed-in caller with one of these roles. */
export function Roles(...roles: string[]): MethodDecorator & ClassDecorator {
  return access({ roles }, `Requires the ${roles.join(' or ')} role`);
}

/** Admin-only endpoints: the rule every operations endpoint uses. */
export function AdminOnly(): MethodDecorator & ClassDecorator {
  return Roles('admin');
}

/** The rule comes from a provider at request time (e.g. an endpoint that configuration makes public or admin-only). */
export function AccessFrom(source: Type<AccessRuleSource>, forbidden: string): MethodDecorator & ClassDecorator {
  return access(source, forbidden);
}
