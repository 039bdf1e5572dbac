import { readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** Cumulative CPU time of the machine, all cores summed, in any consistent unit. */
export interface CpuTimes {
  busy: number;
  total: number;
}

export interface MemoryReading {
  totalBytes: number;
  usedBytes: number;
  /** The figures are the container's cgroup limit and usage rather than the host's. */
  cgroupLimit: boolean;
}

export interface DiskReading {
  /** The folder actually measured (the nearest existing one). */
  path: string;
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
}

export interface SystemProbeOptions {
  /** Where the cgroup filesystem is mounted. */
  cgroupRoot?: string;
  /** Root of procfs. */
  procRoot?: string;
}

interface CgroupMemory {
  limit: number;
  usage: number;
  inactiveFile: number;
}

/** cgroup v1 reports "no limit" as a page-aligned LONG_MAX; anything at or above host memory is no limit either. */
const NO_LIMIT = 2 ** 60;

/**
 * Reads the operating system's figures (procfs, cgroup files, statfs). Kept apart so the
 * arithmetic in SystemMetricsService can be tested with fixed readings, and so tests can point
 * it at a fake cgroup tree.
 */
export class SystemProbe {
  private readonly cgroupRoot: string;
  private readonly procRoot: string;

  constructor(options: SystemProbeOptions = {}) {
    this.cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';
    this.procRoot = options.procRoot ?? '/proc';
  }

  /** From /proc/stat on Linux (iowait counts as idle, steal as busy); os.cpus() elsewhere. */
  async cpuTimes(): Promise<CpuTimes> {
    const stat = await readFile(join(this.procRoot, 'stat'), 'utf8').catch(() => undefined);
    const line = stat?.split('\n').find((l) => l.startsWith('cpu '));
    if (line) {
      // user nice system idle iowait irq softirq steal (guest time is already inside user).
      const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
      const busy = user + nice + system + irq + softirq + (steal || 0);
      return { busy, total: busy + idle + iowait };
    }
    let busy = 0;
    let total = 0;
    for (const { times } of cpus()) {
      busy += times.user + times.nice + times.sys + times.irq;
      total += times.user + times.nice + times.sys + times.irq + times.idle;
    }
    return { busy, total };
  }

  /** CPU time this process used, microseconds (user + system). */
  processCpuMicros(): number {
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  }

  cpuCount(): number {
    return cpus().length || 1;
  }

  /**
   * The cgroup's limit and usage when the process runs under a memory limit lower than the
   * host's memory (v2 `memory.max`/`memory.current`, else v1), the host's otherwise. Used memory
   * excludes reclaimable page cache (`inactive_file`), as `docker stats` and kubectl do.
   */
  async memory(): Promise<MemoryReading> {
    const hostTotal = totalmem();
    const paths = await this.cgroupPaths();
    const cgroup = (await this.cgroupV2Memory(paths.v2)) ?? (await this.cgroupV1Memory(paths.v1));
    if (cgroup && cgroup.limit < hostTotal) {
      return { totalBytes: cgroup.limit, usedBytes: Math.max(0, cgroup.usage - cgroup.inactiveFile), cgroupLimit: true };
    }
    // os.freemem() is MemAvailable from /proc/meminfo on Linux: free plus reclaimable cache.
    return { totalBytes: hostTotal, usedBytes: hostTotal - freemem(), cgroupLimit: false };
  }

  /** statfs of the folder, or of its nearest existing ancestor (a backup folder may not exist yet). */
  async disk(path: string): Promise<DiskReading> {
    let current = resolve(path);
    for (;;) {
      try {
        const stats = await statfs(current);
        const totalBytes = stats.blocks * stats.bsize;
        const usedBytes = (stats.blocks - stats.bfree) * stats.bsize;
        return { path: current, totalBytes, usedBytes, availableBytes: stats.bavail * stats.bsize };
      } catch (error) {
        const parent = dirname(current);
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw error;
        current = parent;
      }
    }
  }

  private async cgroupPaths(): Promise<{ v2?: string; v1?: string }> {
    const text = await readFile(join(this.procRoot, 'self', 'cgroup'), 'utf8').catch(() => '');
    const paths: { v2?: string; v1?: string } = {};
    for (const line of text.split('\n')) {
      const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
      if (path === undefined) continue;
      if (controllers === '') paths.v2 = path;
      else if (controllers.split(',').includes('memory')) paths.v1 = path;
    }
    return paths;
  }

  private async cgroupV2Memory(v2: string | undefined): Promise<CgroupMemory | undefined> {
    // Inside a container's cgroup namespace the process's own cgroup is the mount root.
    for (const dir of [...(v2 && v2 !== '/' ? [join(this.cgroupRoot, v2)] : []), this.cgroupRoot]) {
      const max = await readFile(join(dir, 'memory.max'), 'utf8').catch(() => undefined);
      if (max === undefined) continue;
      if (max.trim() === 'max') return undefined;
      const usage = Number((await readFile(join(dir, 'memory.current'), 'utf8')).trim());
      return { limit: Number(max.trim()), usage, inactiveFile: await this.statField(join(dir, 'memory.stat'), 'inactive_file') };
    }
    return undefined;
  }

  private async cgroupV1Memory(v1: string | undefined): Promise<CgroupMemory | undefined> {
    const base = join(this.cgroupRoot, 'memory');
    for (const dir of [...(v1 && v1 !== '/' ? [join(base, v1)] : []), base]) {
      const limit = await readFile(join(dir, 'memory.limit_in_bytes'), 'utf8').catch(() => undefined);
      if (limit === undefined) continue;
      if (Number(limit.trim()) >= NO_LIMIT) return undefined;
      const usage = Number((await readFile(join(dir, 'memory.usage_in_bytes'), 'utf8')).trim());
      return { limit: Number(limit.trim()), usage, inactiveFile: await this.statField(join(dir, 'memory.stat'), 'total_inactive_file') };
    }
    return undefined;
  }

  private async statField(file: string, field: string): Promise<number> {
    const text = await readFile(file, 'utf8').catch(() => '');
    const line = text.split('\n').find((l) => l.startsWith(`${field} `));
    return line ? Number(line.split(' ')[1]) || 0 : 0;
  }
}
