// `npm run backup -- <command>`: runs the built CLI, building dist/ first only when a source is
// newer than the build. Node runs this file from src/ (type stripping), before any build exists,
// so it uses only erasable TypeScript and Node's own modules.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `nest build` reads: a change to any of these (a file added, edited or deleted) makes dist/ stale. */
const SOURCES = ['src', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package.json'];
const CLI = join('dist', 'backup', 'cli', 'backup.cli.js');
/** Frequent young-generation collections keep a long dump's RSS flat (see the README's benchmark). */
const NODE_FLAGS = ['--max-semi-space-size=1'];

/**
 * The newest modification time under `path` (folders included, so a deleted file counts); 0 when it
 * does not exist. Unit specs are not built, and a type-check's build info is not a build.
 */
export function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path)
    .filter((entry) => !entry.endsWith('.tsbuildinfo') && !entry.endsWith('.spec.ts'))
    .reduce((newest, entry) => Math.max(newest, newestChange(join(path, entry))), info.mtimeMs);
}

/** Whether dist/ holds a build of the current sources: it exists and was written after the last change to them. */
export function isBuildCurrent(root: string): boolean {
  if (!existsSync(join(root, CLI))) return false;
  const sources = Math.max(...SOURCES.map((source) => newestChange(join(root, source))));
  return newestChange(join(root, 'dist')) > sources;
}

function main(root: string, args: string[]): void {
  if (!isBuildCurrent(root)) {
    process.stderr.write('Building dist/ (the sources changed since the last build)…\n');
    const build = spawnSync(process.execPath, [join(root, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  const child = spawn(process.execPath, [...NODE_FLAGS, join(root, CLI), ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(fileURLToPath(new URL('../../../', import.meta.url)), process.argv.slice(2));
}
