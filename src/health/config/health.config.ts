import { registerAs, type ConfigType } from '@nestjs/config';
import { enumVar, instanceId, intVar, nodeEnv, numberVar } from '../../common/config/env.util.js';

export const HEALTH_DETAILED_ACCESS = ['public', 'admin'] as const;

export const healthConfig = registerAs('health', () => {
  const production = nodeEnv() === 'production';
  const percent = (name: string, fallback: number) => numberVar(name, fallback, { min: 0, max: 100 });
  return {
    /** Which replica answered the detailed report (INSTANCE_ID). */
    instance: instanceId(),
    cpuPercent: percent('HEALTH_CPU_THRESHOLD', 90),
    memoryPercent: percent('HEALTH_MEMORY_THRESHOLD', 90),
    diskPercent: percent('HEALTH_DISK_THRESHOLD', 90),
    diskCriticalPercent: percent('HEALTH_DISK_CRITICAL_THRESHOLD', 98),
    errorRatePercent: percent('HEALTH_ERROR_RATE_THRESHOLD', 1),
    eventLoopLagMs: intVar('HEALTH_EVENT_LOOP_LAG_MS', 200, { min: 1, max: 60_000 }),
    /** Liveness fails only past this lag: the process is wedged, not merely busy. */
    livenessEventLoopLagMs: intVar('HEALTH_LIVENESS_EVENT_LOOP_LAG_MS', 5_000, { min: 1, max: 600_000 }),
    checkTimeoutMs: intVar('HEALTH_CHECK_TIMEOUT_MS', 1_000, { min: 10, max: 60_000 }),
    detailedAccess: enumVar('HEALTH_DETAILED_ACCESS', HEALTH_DETAILED_ACCESS, 'public'),
    shutdownDrainMs: intVar('SHUTDOWN_DRAIN_MS', production ? 5_000 : 0, { min: 0, max: 600_000 }),
    /** After the drain, how long in-flight requests may take before their connections are cut. */
    shutdownTimeoutMs: intVar('SHUTDOWN_TIMEOUT_MS', 15_000, { min: 0, max: 600_000 }),
  };
});

export type HealthConfig = ConfigType<typeof healthConfig>;
