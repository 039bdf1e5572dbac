import { Inject, Injectable } from '@nestjs/common';
import type { AccessRule, AccessRuleSource } from '../common/access/access-rule.js';
import { healthConfig, type HealthConfig } from './config/health.config.js';

/** The detailed report is public by default; HEALTH_DETAILED_ACCESS=admin restricts it to admins. */
@Injectable()
export class DetailedHealthAccess implements AccessRuleSource {
  constructor(@Inject(healthConfig.KEY) private readonly config: HealthConfig) {}

  accessRule(): AccessRule | undefined {
    return this.config.detailedAccess === 'admin' ? { roles: ['admin'] } : undefined;
  }
}
