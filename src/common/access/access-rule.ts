import type { Type } from '@nestjs/common';

/**
 * Who may call a handler: a signed-in caller holding one of `roles` (any signed-in caller when
 * empty). Handlers without a rule are public.
 */
export interface AccessRule {
  roles: readonly string[];
}

/** A rule decided at run time (e.g. from configuration); `undefined` makes the handler public. */
export interface AccessRuleSource {
  accessRule(): AccessRule | undefined;
}

/** What the ACCESS_METADATA key holds: a fixed rule, or the provider class that decides it. */
export type AccessMetadata = AccessRule | Type<AccessRuleSource>;
