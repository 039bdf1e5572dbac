import { HttpException, HttpStatus, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authConfig, type AuthConfig } from '../auth.config.js';
import { LoginAttemptsCounter } from './login-attempts.counter.js';

/**
 * LOGIN_RATE_LIMIT attempts per minute per client address (fixed window), counted across replicas
 * in Redis when it is configured: each attempt costs a scrypt derivation, so unlimited attempts
 * are a cheap way to load the server as well as to guess passwords. (@nestjs/throttler 6 is
 * CommonJS and loads Nest's ESM packages through require(esm), which Jest on Node 20 cannot do.)
 */
@Injectable()
export class LoginRateLimitGuard implements CanActivate {
  constructor(
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    private readonly attempts: LoginAttemptsCounter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const window = await this.attempts.hit(http.getRequest<FastifyRequest>().ip);
    if (window.attempts <= this.config.loginRateLimit) return true;
    http.getResponse<FastifyReply>().header('Retry-After', String(Math.ceil(window.resetsInMs / 1000)));
    throw new HttpException('Too many login attempts from this address; try again later', HttpStatus.TOO_MANY_REQUESTS);
  }
}
