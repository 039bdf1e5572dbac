import type { Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { CheckStatus } from '../report/health-report.dto.js';

/** Terminus's result builder for one check: `up()`, `degraded()` or `down()` with details. */
export type HealthIndicatorSession = ReturnType<HealthIndicatorService['check']>;

export interface HealthContributionOptions {
  /** Name of the check in the detailed report (`redis`, `backup`, …). */
  check: string;
  /** What a `down` result, a timeout or an exception makes the report: `warn` degraded, `critical` error. */
  failure: Exclude<CheckStatus, 'ok'>;
}

/**
 * A check another module adds to the detailed health report, with the figures behind it, so the
 * health module depends on none of those modules and boots without them. It should neither throw
 * nor wait on I/O; the report bounds it by the check timeout all the same.
 */
export interface HealthContribution {
  indicate(indicator: HealthIndicatorSession): HealthIndicatorResult | PromiseLike<HealthIndicatorResult>;
  /** Merged into the report's `metrics` (e.g. `{ cache: {…} }`): nothing secret, the report may be public. */
  figures?(): Record<string, unknown>;
}

export const HEALTH_CONTRIBUTION = DiscoveryService.createDecorator<HealthContributionOptions>();

/** Marks a provider as a contribution: the health module finds it at start (and nothing happens without one). */
export function ContributesToHealth(options: HealthContributionOptions): (target: Type<HealthContribution>) => void {
  return (target) => HEALTH_CONTRIBUTION(options)(target);
}
