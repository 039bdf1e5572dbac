import { jest } from '@jest/globals';
import { HttpException, type ExecutionContext } from '@nestjs/common';
import type { AuthConfig } from '../auth.config.js';
import { LoginAttemptsCounter } from './login-attempts.counter.js';
import { LoginRateLimitGuard } from './login-rate-limit.guard.js';

function contextFrom(ip: string, headers: Record<string, string> = {}): ExecutionContext {
  const response = { header: (name: string, value: string) => (headers[name] = value) };
  return { switchToHttp: () => ({ getRequest: () => ({ ip }), getResponse: () => response }) } as unknown as ExecutionContext;
}

describe('LoginRateLimitGuard without Redis', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => jest.useRealTimers());

  const guard = (counter = new LoginAttemptsCounter()) => new LoginRateLimitGuard({ loginRateLimit: 2 } as AuthConfig, counter);

  it('allows the limit per address per minute, then 429 with Retry-After, and a new window after the minute', async () => {
    const limiter = guard();
    expect(await limiter.canActivate(contextFrom('10.0.0.1'))).toBe(true);
    expect(await limiter.canActivate(contextFrom('10.0.0.1'))).toBe(true);
    const headers: Record<string, string> = {};
    jest.advanceTimersByTime(20_000);
    await expect(limiter.canActivate(contextFrom('10.0.0.1', headers))).rejects.toThrow(HttpException);
    expect(headers['Retry-After']).toBe('40');
    expect(await limiter.canActivate(contextFrom('10.0.0.2'))).toBe(true);
    jest.advanceTimersByTime(40_000);
    expect(await limiter.canActivate(contextFrom('10.0.0.1'))).toBe(true);
  });

  it('keeps memory bounded under a flood from many addresses', async () => {
    const counter = new LoginAttemptsCounter();
    const limiter = guard(counter);
    for (let i = 0; i < 25_000; i++) await limiter.canActivate(contextFrom(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`));
    expect(counter.trackedInMemory).toBeLessThanOrEqual(10_000);
  });
});
