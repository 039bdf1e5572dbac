import type { FastifyStaticOptions } from '@fastify/static';
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { accessSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DASHBOARD_CSP, DASHBOARD_PATH } from './admin-dashboard.constants.js';

/** The page's files: kept in the repo beside this module and copied into dist by nest-cli.json `assets`. */
const PUBLIC_DIR = join(import.meta.dirname, 'public');
const PAGE_FILES = ['index.html', 'dashboard.css', 'dashboard.js'];

/** Chart.js's self-contained build and its source map, from the runtime dependency (its package exports do not list them, so they are found beside the main entry). */
const CHART_JS_DIR = dirname(createRequire(import.meta.url).resolve('chart.js'));
const CHART_JS_FILES = new Set(['/chart.umd.js', '/chart.umd.js.map']);

/** Headers of every file of the page. Files are revalidated (ETag, Last-Modified) on each load, so a deploy shows at once. */
function setDashboardHeaders(reply: FastifyReply): void {
  reply.header('Content-Security-Policy', DASHBOARD_CSP);
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('Referrer-Policy', 'no-referrer');
  reply.header('X-Frame-Options', 'DENY');
  reply.header('Cache-Control', 'no-cache');
}

/**
 * The live dashboard page's files, as @fastify/static serves them (see `configureApp`): one route
 * per file of `public/` (the metrics see each as its own route template, and no other path is
 * served from there), the page itself at /admin/dashboard; Chart.js under /admin/dashboard/vendor/,
 * where only its two files are served. A missing file (assets not copied into dist) stops the
 * start instead of surfacing as a broken page. The page is public: it holds no data; it signs in
 * and reads the admin-only stream.
 */
@Injectable()
export class DashboardAssetsService {
  staticOptions(): FastifyStaticOptions[] {
    for (const file of PAGE_FILES) accessSync(join(PUBLIC_DIR, file));
    for (const file of CHART_JS_FILES) accessSync(join(CHART_JS_DIR, file));
    const common = { decorateReply: false, cacheControl: false, setHeaders: setDashboardHeaders } as const;
    return [
      { ...common, root: PUBLIC_DIR, prefix: `/${DASHBOARD_PATH}/`, wildcard: false, index: 'index.html' },
      {
        ...common,
        root: CHART_JS_DIR,
        prefix: `/${DASHBOARD_PATH}/vendor/`,
        index: false,
        allowedPath: (path) => CHART_JS_FILES.has(path),
      },
    ];
  }
}
