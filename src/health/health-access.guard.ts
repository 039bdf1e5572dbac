import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { JwtAuthGuard, type AuthenticatedRequest } from '../auth/jwt-auth.guard.js';
import { healthConfig, type HealthConfig } from './health.config.js';

/** The detailed report is public by default (SPEC); HEALTH_DETAILED_ACCESS=admin restricts it to admins. */
@Injectable()
export class DetailedHealthAccessGuard implements CanActivate {
  constructor(
    private readonly jwt: JwtAuthGuard,
    @Inject(healthConfig.KEY) private readonly config: HealthConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.config.detailedAccess === 'public') return true;
    await this.jwt.authorize(context.switchToHttp().getRequest<AuthenticatedRequest>(), ['admin']);
    return true;
  }
}
