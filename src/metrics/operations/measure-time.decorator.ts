import { SetMetadata } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { MEASURE_TIME_METADATA } from '../metrics.constants.js';

export interface MeasureTimeOptions {
  /** Name the duration is recorded under; @MeasureTime() defaults to `Class.method`. */
  name?: string;
  /** Log a warning when one call takes longer than this; default METRICS_SLOW_MS (500 ms). */
  thresholdMs?: number;
}

/** Receives every measured duration; the MetricsModule installs one at start. */
export interface OperationRecorder {
  record(name: string, durationMs: number, failed: boolean, thresholdMs: number | undefined): void;
}

/**
 * Process-wide, so `measureTime` works from any code without injection. A stack rather than a
 * slot because tests and benchmarks run several apps in one process: the latest one records.
 * Empty (e.g. in unit tests without the module), measuring only runs the code.
 */
const recorders: OperationRecorder[] = [];

export function installOperationRecorder(recorder: OperationRecorder): void {
  recorders.push(recorder);
}

export function uninstallOperationRecorder(recorder: OperationRecorder): void {
  const index = recorders.lastIndexOf(recorder);
  if (index >= 0) recorders.splice(index, 1);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn` and records its duration under `name` (sync or async). Errors still propagate,
 * and the time until they were thrown or rejected is recorded as a failed call.
 */
export function measureTime<T>(name: string, fn: () => T, options: Pick<MeasureTimeOptions, 'thresholdMs'> = {}): T {
  const recorder = recorders.at(-1);
  if (!recorder) return fn();
  const started = performance.now();
  const done = (failed: boolean) => recorder.record(name, performance.now() - started, failed, options.thresholdMs);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    done(true);
    throw error;
  }
  if (!isPromiseLike(result)) {
    done(false);
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      done(false);
      return value;
    },
    (error: unknown) => {
      done(true);
      throw error;
    },
  ) as T;
}

/**
 * Records each call's duration (sync or async, including failed calls) under the method's
 * name, shown under `operations` in the admin metrics and in Prometheus, and logs a warning
 * when a call exceeds the threshold. Works on controller handlers and provider methods: the
 * wrapper carries over the metadata other decorators (e.g. @Get()) put on the original.
 */
export function MeasureTime(options: MeasureTimeOptions = {}): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') throw new Error(`@MeasureTime() can only decorate methods, not ${String(propertyKey)}`);
    const name = options.name ?? `${(target as { constructor: { name: string } }).constructor.name}.${String(propertyKey)}`;
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      return measureTime(name, () => (original as (...a: unknown[]) => unknown).apply(this, args), options);
    };
    Object.defineProperty(wrapped, 'name', { value: original.name });
    for (const key of Reflect.getOwnMetadataKeys(original)) {
      Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapped);
    }
    descriptor.value = wrapped as typeof descriptor.value;
    SetMetadata(MEASURE_TIME_METADATA, { ...options, name })(target, propertyKey, descriptor);
  };
}
