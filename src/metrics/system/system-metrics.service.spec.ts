import { metricsConfig } from '../config/metrics.config.js';
import { SystemMetricsService } from './system-metrics.service.js';
import type { CpuTimes, DiskReading, MemoryReading, SystemProbe } from './system.probe.js';

/** Fixed OS readings the test steps through, standing in for procfs and statfs. */
class FakeProbe {
  cpu: CpuTimes = { busy: 0, total: 0 };
  processMicros = 0;
  mem: MemoryReading = { totalBytes: 1024 * 2 ** 20, usedBytes: 256 * 2 ** 20, cgroupLimit: true };
  diskResult: DiskReading | Error = { path: '/data', totalBytes: 100 * 2 ** 30, usedBytes: 40 * 2 ** 30, availableBytes: 40 * 2 ** 30 };
  async cpuTimes() {
    return this.cpu;
  }
  processCpuMicros() {
    return this.processMicros;
  }
  cpuCount() {
    return 2;
  }
  async memory() {
    return this.mem;
  }
  async disk(): Promise<DiskReading> {
    if (this.diskResult instanceof Error) throw this.diskResult;
    return this.diskResult;
  }
}

describe('SystemMetricsService', () => {
  const metrics = { ...metricsConfig(), diskPath: '/data' };

  it('derives CPU % from deltas between samples, memory and disk (df-style) percentages', async () => {
    const probe = new FakeProbe();
    const service = new SystemMetricsService(probe as unknown as SystemProbe, metrics);
    probe.cpu = { busy: 1000, total: 4000 };
    await service.sample();
    expect(service.snapshot().cpu.machinePercent).toBe(0);
    probe.cpu = { busy: 1300, total: 5000 };
    await service.sample();
    const snapshot = service.snapshot();
    expect(snapshot.cpu).toEqual({ machinePercent: 30, processPercent: expect.any(Number), cores: 2 });
    expect(snapshot.memory).toEqual({ percent: 25, usedMb: 256, totalMb: 1024, cgroupLimit: true });
    expect(snapshot.disk).toEqual({ percent: 50, usedGb: 40, totalGb: 100, path: '/data' });
    expect(snapshot.sampledAt).toBeInstanceOf(Date);
  });

  it('keeps the last disk figures and reports the error when statfs fails, without throwing', async () => {
    const probe = new FakeProbe();
    const service = new SystemMetricsService(probe as unknown as SystemProbe, metrics);
    await service.sample();
    probe.diskResult = new Error('EACCES: permission denied');
    await expect(service.sample()).resolves.toBeUndefined();
    expect(service.snapshot().disk).toEqual({ percent: 50, usedGb: 40, totalGb: 100, path: '/data', error: 'EACCES: permission denied' });
  });
});
