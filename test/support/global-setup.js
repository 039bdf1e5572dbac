import { execFileSync } from 'node:child_process';

/** Builds dist/ once per run: some e2e specs spawn the built API the way production runs it. */
export default function globalSetup() {
  execFileSync(process.execPath, ['node_modules/@nestjs/cli/bin/nest.js', 'build'], { stdio: 'inherit' });
}
