import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from './support/backup-helpers.js';

const ROOT = join(import.meta.dirname, '..');

/** The runtime stage's commands, continuation lines joined. */
async function runtimeStage(): Promise<string> {
  const dockerfile = (await readFile(join(ROOT, 'Dockerfile'), 'utf8')).replace(/\\\n\s*/g, ' ');
  return dockerfile.split(/^FROM /m).at(-1)!;
}

/** pg_dump refuses servers newer than itself: the image must ship the newest client, whatever Debian has. */
describe('the image’s pg_dump', () => {
  it('comes from the PostgreSQL apt repository (PGDG), not Debian’s older client', async () => {
    const stage = await runtimeStage();
    expect(stage).toMatch(/deb \[signed-by=[^\]]+\] https:\/\/apt\.postgresql\.org\/pub\/repos\/apt bookworm-pgdg main/);
    expect(stage).toContain('apt-get install -y --no-install-recommends "postgresql-client-$major"');
    expect(stage).not.toMatch(/install[^&]*\bpostgresql-client(\s|$)/);
  });

  it('is the newest major the repository has, unless POSTGRES_CLIENT_MAJOR pins one', async () => {
    const assignment = /major="(\$\{POSTGRES_CLIENT_MAJOR:-\$\(.*?\)\})"/.exec(await runtimeStage())?.[1];
    expect(assignment).toBeDefined();
    const bin = await tempDir('mentorhub-fake-apt-');
    try {
      // What `apt-cache pkgnames postgresql-client-` lists with PGDG's repository added.
      const names = [
        'postgresql-client-common',
        'postgresql-client-9.6',
        'postgresql-client-17',
        'postgresql-client-18',
        'postgresql-client-15',
      ];
      await writeFile(join(bin.path, 'apt-cache'), `#!/bin/sh\nprintf '%s\\n' ${names.join(' ')}\n`, { mode: 0o755 });
      const pick = (pinned: string) =>
        spawnSync('sh', ['-c', `major="${assignment!}"; echo "$major"`], {
          env: { PATH: `${bin.path}:${process.env.PATH ?? ''}`, POSTGRES_CLIENT_MAJOR: pinned },
          encoding: 'utf8',
        }).stdout.trim();
      expect(pick('')).toBe('18');
      expect(pick('17')).toBe('17');
    } finally {
      await bin.remove();
    }
  });
});
