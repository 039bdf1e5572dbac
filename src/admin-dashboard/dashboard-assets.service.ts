import { Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The page's files: kept in the repo beside this module and copied into dist by nest-cli.json `assets`. */
const PUBLIC_DIR = join(import.meta.dirname, 'public');

export const DASHBOARD_ASSETS = ['index.html', 'dashboard.css', 'dashboard.js', 'chart.umd.js'] as const;
export type DashboardAssetName = (typeof DASHBOARD_ASSETS)[number];

/** Chart.js's self-contained build, from the runtime dependency (its package exports do not list it, so it is found beside the main entry). */
function chartJsPath(): string {
  return join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');
}

/**
 * Reads the page's few files once, at start: a missing file (assets not copied into dist) stops
 * the start instead of surfacing as a broken page, and serving never touches the filesystem.
 * Only these names exist, so no request path ever reaches the filesystem either.
 */
@Injectable()
export class DashboardAssetsService {
  private readonly files: Record<DashboardAssetName, string>;

  constructor() {
    const read = (path: string) => readFileSync(path, 'utf8');
    this.files = {
      'index.html': read(join(PUBLIC_DIR, 'index.html')),
      'dashboard.css': read(join(PUBLIC_DIR, 'dashboard.css')),
      'dashboard.js': read(join(PUBLIC_DIR, 'dashboard.js')),
      // Its source map is not served, so the comment pointing at it goes.
      'chart.umd.js': read(chartJsPath()).replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'),
    };
  }

  get(name: DashboardAssetName): string {
    return this.files[name];
  }
}
