import { execFileSync } from 'node:child_process';
import { isBuildCurrent } from '../../src/backup/cli/backup-launcher.ts';

/**
 * Builds dist/ once per run, and only when a source changed since the last build (about 20 s on
 * two cores): some e2e specs spawn the built API the way production runs it.
 */
export default function globalSetup() {
  if (isBuildCurrent(process.cwd())) return;
  execFileSync(process.execPath, ['node_modules/@nestjs/cli/bin/nest.js', 'build'], { stdio: 'inherit' });
}
