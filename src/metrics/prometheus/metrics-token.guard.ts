import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { metricsConfig, type MetricsConfig } from '../config/metrics.config.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Protects the Prometheus endpoint with METRICS_TOKEN as a bearer token when it is set (open
 * otherwise, as scrape targets usually are on a private network). Compared through SHA-256
 * digests in constant time, so neither content nor length leaks through timing.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(metricsConfig.KEY) config: MetricsConfig) {
    this.expected = config.token === undefined ? undefined : digest(config.token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const http = context.switchToHttp();
    const [scheme, token] = (http.getRequest<FastifyRequest>().headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() === 'bearer' && token && timingSafeEqual(digest(token), this.expected)) return true;
    http.getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer realm="metrics"');
    throw new UnauthorizedException('A valid metrics bearer token is required');
  }
}
