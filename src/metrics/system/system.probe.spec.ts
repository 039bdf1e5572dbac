import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemProbe } from './system.probe.js';

/** A fake cgroup tree and /proc/self/cgroup on disk: the probe reads real files. */
describe('SystemProbe memory with a cgroup limit', () => {
  let dir: string;
  const GiB = 2 ** 30;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mentorhub-cgroup-'));
    await mkdir(join(dir, 'proc', 'self'), { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const probe = () => new SystemProbe({ cgroupRoot: join(dir, 'cgroup'), procRoot: join(dir, 'proc') });

  it('uses cgroup v2 memory.max and memory.current minus inactive_file', async () => {
    await writeFile(join(dir, 'proc', 'self', 'cgroup'), '0::/kubepods/pod1\n');
    const group = join(dir, 'cgroup', 'kubepods', 'pod1');
    await mkdir(group, { recursive: true });
    await writeFile(join(group, 'memory.max'), `${GiB}\n`);
    await writeFile(join(group, 'memory.current'), `${600 * 2 ** 20}\n`);
    await writeFile(join(group, 'memory.stat'), `anon 400000000\ninactive_file ${100 * 2 ** 20}\nactive_file 5\n`);
    expect(await probe().memory()).toEqual({ totalBytes: GiB, usedBytes: 500 * 2 ** 20, cgroupLimit: true });
  });

  it('reads the namespace root when the process cgroup is "/"', async () => {
    await writeFile(join(dir, 'proc', 'self', 'cgroup'), '0::/\n');
    await mkdir(join(dir, 'cgroup'), { recursive: true });
    await writeFile(join(dir, 'cgroup', 'memory.max'), `${2 * GiB}\n`);
    await writeFile(join(dir, 'cgroup', 'memory.current'), `${GiB}\n`);
    expect(await probe().memory()).toEqual({ totalBytes: 2 * GiB, usedBytes: GiB, cgroupLimit: true });
  });

  it('falls back to cgroup v1 memory.limit_in_bytes', async () => {
    await writeFile(join(dir, 'proc', 'self', 'cgroup'), '4:memory:/docker/abc\n0::/\n');
    const group = join(dir, 'cgroup', 'memory', 'docker', 'abc');
    await mkdir(group, { recursive: true });
    await writeFile(join(group, 'memory.limit_in_bytes'), `${512 * 2 ** 20}\n`);
    await writeFile(join(group, 'memory.usage_in_bytes'), `${300 * 2 ** 20}\n`);
    await writeFile(join(group, 'memory.stat'), `cache 1\ntotal_inactive_file ${44 * 2 ** 20}\n`);
    expect(await probe().memory()).toEqual({ totalBytes: 512 * 2 ** 20, usedBytes: 256 * 2 ** 20, cgroupLimit: true });
  });

  it('uses the host figures when the cgroup has no limit ("max") or a limit above host memory', async () => {
    await writeFile(join(dir, 'proc', 'self', 'cgroup'), '0::/\n');
    await mkdir(join(dir, 'cgroup'), { recursive: true });
    await writeFile(join(dir, 'cgroup', 'memory.max'), 'max\n');
    expect(await probe().memory()).toMatchObject({ totalBytes: totalmem(), cgroupLimit: false });
    await writeFile(join(dir, 'cgroup', 'memory.max'), `${totalmem() * 2}\n`);
    await writeFile(join(dir, 'cgroup', 'memory.current'), '1\n');
    expect(await probe().memory()).toMatchObject({ totalBytes: totalmem(), cgroupLimit: false });
  });

  it('measures the nearest existing folder of a path that does not exist yet', async () => {
    const reading = await probe().disk(join(dir, 'backups', 'not', 'yet'));
    expect(reading.path).toBe(dir);
    expect(reading.totalBytes).toBeGreaterThan(0);
  });
});
