import { Controller, Get } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { setTimeout as delay } from 'node:timers/promises';
import {
  installOperationRecorder,
  MeasureTime,
  measureTime,
  uninstallOperationRecorder,
  type OperationRecorder,
} from './measure-time.decorator.js';
import { MEASURE_TIME_METADATA } from '../metrics.constants.js';

interface Recorded {
  name: string;
  durationMs: number;
  failed: boolean;
  thresholdMs: number | undefined;
}

/** A recorder that keeps what it is given, standing in for OperationStatsService. */
class ListRecorder implements OperationRecorder {
  readonly calls: Recorded[] = [];
  record(name: string, durationMs: number, failed: boolean, thresholdMs: number | undefined): void {
    this.calls.push({ name, durationMs, failed, thresholdMs });
  }
}

@Controller('things')
class Things {
  factor = 2;

  @MeasureTime()
  double(value: number): number {
    return value * this.factor;
  }

  @MeasureTime({ name: 'things.slow', thresholdMs: 5 })
  async slow(ms: number): Promise<string> {
    await delay(ms);
    return 'done';
  }

  @MeasureTime()
  async fail(): Promise<never> {
    await delay(5);
    throw new Error('rejected');
  }

  @MeasureTime()
  throwNow(): never {
    throw new Error('thrown');
  }

  @Get('list')
  @MeasureTime()
  list(): string[] {
    return ['a'];
  }
}

describe('measureTime and @MeasureTime()', () => {
  let recorder: ListRecorder;

  beforeEach(() => {
    recorder = new ListRecorder();
    installOperationRecorder(recorder);
  });
  afterEach(() => uninstallOperationRecorder(recorder));

  it('records a sync method under Class.method and keeps `this` and the result', () => {
    expect(new Things().double(21)).toBe(42);
    expect(recorder.calls).toEqual([{ name: 'Things.double', durationMs: expect.any(Number), failed: false, thresholdMs: undefined }]);
  });

  it('records an async method after it settles, with its name and threshold', async () => {
    await expect(new Things().slow(30)).resolves.toBe('done');
    expect(recorder.calls).toHaveLength(1);
    expect(recorder.calls[0]).toMatchObject({ name: 'things.slow', failed: false, thresholdMs: 5 });
    expect(recorder.calls[0].durationMs).toBeGreaterThanOrEqual(29);
  });

  it('lets errors propagate and still times the call (thrown or rejected)', async () => {
    await expect(new Things().fail()).rejects.toThrow('rejected');
    expect(() => new Things().throwNow()).toThrow('thrown');
    expect(recorder.calls).toEqual([
      expect.objectContaining({ name: 'Things.fail', failed: true }),
      expect.objectContaining({ name: 'Things.throwNow', failed: true }),
    ]);
    expect(recorder.calls[0].durationMs).toBeGreaterThanOrEqual(4);
  });

  it('measures a block of code with measureTime(name, fn)', async () => {
    expect(measureTime('sum', () => 1 + 2)).toBe(3);
    await expect(measureTime('database_query', async () => 'rows', { thresholdMs: 50 })).resolves.toBe('rows');
    expect(recorder.calls.map((c) => [c.name, c.thresholdMs])).toEqual([
      ['sum', undefined],
      ['database_query', 50],
    ]);
  });

  it('keeps the route metadata of the decorators applied before it, and adds its own', () => {
    const handler = Object.getOwnPropertyDescriptor(Things.prototype, 'list')?.value as object;
    expect(Reflect.getMetadata(PATH_METADATA, handler)).toBe('list');
    expect(Reflect.getMetadata(METHOD_METADATA, handler)).toBeDefined();
    expect(Reflect.getMetadata(MEASURE_TIME_METADATA, handler)).toEqual({ name: 'Things.list' });
    expect((handler as { name: string }).name).toBe('list');
  });

  it('only runs the code when no recorder is installed (e.g. without the MetricsModule)', async () => {
    uninstallOperationRecorder(recorder);
    expect(new Things().double(2)).toBe(4);
    await expect(measureTime('x', async () => 1)).resolves.toBe(1);
    expect(recorder.calls).toEqual([]);
  });
});
