import { HttpException, HttpStatus, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authConfig, type AuthConfig } from './auth.config.js';

const WINDOW_MS = 60_000;
/** Addresses tracked at once; a flood from more addresses evicts the oldest windows first. */
const MAX_TRACKED = 10_000;

/**
 * LOGIN_RATE_LIMIT attempts per minute per client address (fixed window, in memory, per
 * process): each attempt costs a scrypt derivation, so unlimited attempts are a cheap way to
 * load the server as well as to guess passwords. (@nestjs/throttler 6 is CommonJS and loads
 * Nest's ESM packages through require(esm), which Jest on Node 20 cannot do.)
 */
@Injectable()
export class LoginRateLimitGuard implements CanActivate {
  private readonly windows = new Map<string, { startedAt: number; attempts: number }>();

  constructor(@Inject(authConfig.KEY) private readonly config: AuthConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const address = http.getRequest<FastifyRequest>().ip;
    const now = Date.now();
    let window = this.windows.get(address);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      this.windows.delete(address);
      if (this.windows.size >= MAX_TRACKED) this.evict(now);
      window = { startedAt: now, attempts: 0 };
      this.windows.set(address, window);
    }
    window.attempts++;
    if (window.attempts <= this.config.loginRateLimit) return true;
    http.getResponse<FastifyReply>().header('Retry-After', String(Math.ceil((window.startedAt + WINDOW_MS - now) / 1000)));
    throw new HttpException('Too many login attempts from this address; try again later', HttpStatus.TOO_MANY_REQUESTS);
  }

  /** Drops finished windows, then the oldest ones (a Map iterates in insertion order) until there is room. */
  private evict(now: number): void {
    for (const [address, window] of this.windows) if (now - window.startedAt >= WINDOW_MS) this.windows.delete(address);
    for (const address of this.windows.keys()) {
      if (this.windows.size < MAX_TRACKED) break;
      this.windows.delete(address);
    }
  }
}
