import { performance } from 'node:perf_hooks';
import { createBackupCliContext } from '../src/backup/cli/backup.cli.js';
import { runBackupCli } from '../src/backup/cli/backup-cli.commands.js';

/**
 * Runs one backup CLI command in its own process for backup.bench.ts and prints, as the last
 * stdout line, its exit code, boot time, command time, timestamped progress lines and peak RSS.
 */
const started = performance.now();
let bootMs = 0;
let bootRss = 0;
let peakRss = 0;
const timeline: { atMs: number; rssMb: number; externalMb: number }[] = [];
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  const atMs = Math.round(performance.now() - started);
  if (timeline.length === 0 || atMs - timeline[timeline.length - 1].atMs >= 500) {
    timeline.push({ atMs, rssMb: Math.round(usage.rss / 1048576), externalMb: Math.round(usage.external / 1048576) });
  }
}, 25);
const lines: { atMs: number; line: string }[] = [];
const log = (line: string) => lines.push({ atMs: Math.round(performance.now() - started), line });
const code = await runBackupCli(process.argv.slice(2), { out: log, err: log, interactive: false, ask: async () => '' }, async () => {
  const bootStart = performance.now();
  const context = await createBackupCliContext();
  bootMs = performance.now() - bootStart;
  bootRss = process.memoryUsage().rss;
  return context;
});
clearInterval(sampler);
const totalMs = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({
    code,
    bootMs: Math.round(bootMs),
    commandMs: Math.round(totalMs - bootMs),
    maxRssBytes: Math.max(peakRss, process.resourceUsage().maxRSS * 1024),
    bootRssBytes: bootRss,
    timeline,
    lines,
  })}\n`,
);
process.exit(code);
