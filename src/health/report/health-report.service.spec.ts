import { ServiceUnavailableException } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import type { RequestStatsStore } from '../../metrics/http/request-stats.store.js';
import type { SystemMetricsService } from '../../metrics/system/system-metrics.service.js';
import type { HealthConfig } from '../config/health.config.js';
import type { RegisteredContribution } from '../contributions/health-contributions.registry.js';
import type { HealthContributionsRegistry } from '../contributions/health-contributions.registry.js';
import type { DatabaseHealthIndicator } from '../indicators/database.health.js';
import type { SystemHealthIndicators } from '../indicators/system.health.js';
import { HealthReportService } from './health-report.service.js';

type Outcome = 'up' | 'degraded' | 'down' | 'throws' | 'hangs';
const SYSTEM_CHECKS = ['disk', 'cpu', 'memory', 'heap', 'eventLoop', 'errorRate'] as const;
const CHECK_NAMES: Record<(typeof SYSTEM_CHECKS)[number], string> = {
  disk: 'disk',
  cpu: 'cpu',
  memory: 'memory',
  heap: 'heap',
  eventLoop: 'event_loop',
  errorRate: 'error_rate',
};

const indicators = new HealthIndicatorService();

function outcome(name: string, what: Outcome, details: Record<string, unknown> = {}): Promise<HealthIndicatorResult> {
  const check = indicators.check(name);
  switch (what) {
    case 'throws':
      return Promise.reject(new Error(`${name} exploded`));
    case 'hangs':
      return new Promise(() => undefined);
    case 'degraded':
      return Promise.resolve(check.degraded(details));
    case 'down':
      return Promise.resolve(check.down(details));
    default:
      return Promise.resolve(check.up(details));
  }
}

function service(outcomes: Partial<Record<string, Outcome>> = {}, contributions: RegisteredContribution[] = []) {
  const run = (name: string, details?: Record<string, unknown>) => () => outcome(name, outcomes[name] ?? 'up', details);
  const system = Object.fromEntries(
    SYSTEM_CHECKS.map((method) => [method, run(CHECK_NAMES[method], { observed: 12.5, threshold: 90 })]),
  ) as unknown as SystemHealthIndicators;
  return new HealthReportService(
    { options: { type: 'postgres' } } as DataSource,
    indicators,
    { check: run('database', { engine: 'postgres' }) } as unknown as DatabaseHealthIndicator,
    system,
    { all: () => contributions } as unknown as HealthContributionsRegistry,
    { snapshot: () => ({ cpu: { machinePercent: 12.5 } }) } as unknown as SystemMetricsService,
    { recentWindow: () => ({ requests: 4 }) } as unknown as RequestStatsStore,
    { checkTimeoutMs: 200 } as HealthConfig,
  );
}

const contribution = (check: string, failure: 'warn' | 'critical', what: Outcome, figures?: Record<string, unknown>) => ({
  check,
  failure,
  contribution: {
    indicate: () => outcome(check, what, { message: `${check} says ${what}` }),
    ...(figures ? { figures: () => figures } : {}),
  },
});

describe('HealthReportService', () => {
  it('is healthy when every check is up, with the figures of the system, requests, database and contributions', async () => {
    const report = await service({}, [
      contribution('redis', 'warn', 'up', { cache: { hits: 1 } }),
      contribution('backup', 'warn', 'up', { backup: { ok: true } }),
      contribution('quiet', 'warn', 'up'),
    ]).reportOrThrow();
    expect(report.status).toBe('healthy');
    expect(report.issues).toEqual([]);
    expect(report.checks.map(({ check, status }) => [check, status])).toEqual(
      ['database', 'disk', 'cpu', 'memory', 'heap', 'event_loop', 'error_rate', 'redis', 'backup', 'quiet'].map((check) => [check, 'ok']),
    );
    expect(report.checks[1]).toEqual({
      check: 'disk',
      status: 'ok',
      observed: 12.5,
      threshold: 90,
      message: undefined,
      duration_ms: expect.any(Number),
    });
    expect(report.checks[0]).toMatchObject({ observed: null, threshold: null });
    expect(report.metrics).toEqual({
      system: { cpu: { machinePercent: 12.5 } },
      application: { requests: 4 },
      database: { engine: 'postgres' },
      cache: { hits: 1 },
      backup: { ok: true },
    });
    expect(new Date(report.timestamp).getTime()).not.toBeNaN();
  });

  it('is degraded by a warning check, naming it in the issues', async () => {
    const report = await service({ cpu: 'degraded', memory: 'down', heap: 'down', event_loop: 'down', error_rate: 'down' }).report();
    expect(report.status).toBe('degraded');
    expect(report.issues).toEqual(
      ['cpu', 'memory', 'heap', 'event_loop', 'error_rate'].map((check) => ({
        check,
        status: 'warn',
        observed: 12.5,
        threshold: 90,
        message: `${check} is warn`,
      })),
    );
  });

  it('fails a check whose result does not name it', async () => {
    const nameless = {
      check: 'queue',
      failure: 'critical' as const,
      contribution: { indicate: () => indicators.check('other').up() },
    };
    const report = await service({}, [nameless]).report();
    expect(report.status).toBe('error');
    expect(report.issues).toEqual([
      { check: 'queue', status: 'critical', observed: undefined, threshold: undefined, message: 'queue check failed: no result' },
    ]);
  });

  it('is an error, answered as 503 with the report, when a critical check is down or fails', async () => {
    for (const outcomes of [{ disk: 'down' }, { database: 'throws' }, { database: 'degraded', disk: 'down', cpu: 'degraded' }] as const) {
      const failing = service(outcomes);
      expect((await failing.report()).status).toBe('error');
      await expect(failing.reportOrThrow()).rejects.toThrow(ServiceUnavailableException);
    }
    const error = await service({ database: 'throws' })
      .reportOrThrow()
      .catch((caught: ServiceUnavailableException) => caught.getResponse());
    expect(error).toMatchObject({
      status: 'error',
      issues: [{ check: 'database', status: 'critical', message: 'database check failed: database exploded' }],
    });
  });

  it('turns a degraded critical check into a warning, not an error', async () => {
    const report = await service({ database: 'degraded' }).report();
    expect(report.status).toBe('degraded');
    expect(report.issues).toEqual([{ check: 'database', status: 'warn', observed: null, threshold: null, message: 'database is warn' }]);
  });

  it('bounds every check by the timeout and reports one that hangs as failed', async () => {
    const report = await service({ heap: 'hangs' }).report();
    expect(report.status).toBe('degraded');
    expect(report.issues).toEqual([
      {
        check: 'heap',
        status: 'warn',
        observed: undefined,
        threshold: undefined,
        message: expect.stringMatching(/^heap check failed: \S/),
      },
    ]);
  });

  it("applies each contribution's own failure level and message", async () => {
    const warn = await service({}, [contribution('redis', 'warn', 'down')]).report();
    expect(warn.status).toBe('degraded');
    expect(warn.issues).toEqual([{ check: 'redis', status: 'warn', observed: null, threshold: null, message: 'redis says down' }]);
    const critical = await service({}, [contribution('backup', 'critical', 'throws')]).report();
    expect(critical.status).toBe('error');
    expect(critical.issues[0]).toMatchObject({ check: 'backup', status: 'critical', message: 'backup check failed: backup exploded' });
  });
});
