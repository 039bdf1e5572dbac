import { readFileSync } from 'node:fs';

/** The app's package.json: three folders above this file in src/ and dist/ alike. */
const PACKAGE_JSON = new URL('../../../package.json', import.meta.url);

/** The version in the app's package.json; 'unknown' when it cannot be read, rather than failing the start. */
export function appVersion(packageJson: URL = PACKAGE_JSON): string {
  try {
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
