import { jest } from '@jest/globals';
import { HttpException, type ExecutionContext } from '@nestjs/common';
import type { AuthConfig } from './auth.config.js';
import { LoginRateLimitGuard } from './login-rate-limit.guard.js';

function contextFrom(ip: string, headers: Record<string, string> = {}): ExecutionContext {
  const response = { header: (name: string, value: string) => (headers[name] = value) };
  return { switchToHttp: () => ({ getRequest: () => ({ ip }), getResponse: () => response }) } as unknown as ExecutionContext;
}

describe('LoginRateLimitGuard', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => jest.useRealTimers());

  const guard = () => new LoginRateLimitGuard({ loginRateLimit: 2 } as AuthConfig);

  it('allows the limit per address per minute, then 429 with Retry-After, and a new window after the minute', () => {
    const limiter = guard();
    expect(limiter.canActivate(contextFrom('10.0.0.1'))).toBe(true);
    expect(limiter.canActivate(contextFrom('10.0.0.1'))).toBe(true);
    const headers: Record<string, string> = {};
    jest.advanceTimersByTime(20_000);
    expect(() => limiter.canActivate(contextFrom('10.0.0.1', headers))).toThrow(HttpException);
    expect(headers['Retry-After']).toBe('40');
    expect(limiter.canActivate(contextFrom('10.0.0.2'))).toBe(true);
    jest.advanceTimersByTime(40_000);
    expect(limiter.canActivate(contextFrom('10.0.0.1'))).toBe(true);
  });

  it('keeps memory bounded under a flood from many addresses', () => {
    const limiter = guard();
    for (let i = 0; i < 25_000; i++) limiter.canActivate(contextFrom(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`));
    expect((limiter as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(10_000);
  });
});
