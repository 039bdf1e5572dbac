import { RequestMethod } from '@nestjs/common';

/** The page's URL, outside the /api/v1 prefix (a person types it). */
export const DASHBOARD_PATH = 'admin/dashboard';

/** Routes of the page and its assets that `configureApp` keeps out of the global prefix. */
export const DASHBOARD_PAGE_ROUTES = [
  { path: DASHBOARD_PATH, method: RequestMethod.GET },
  { path: `${DASHBOARD_PATH}/{*asset}`, method: RequestMethod.GET },
];

/** Name of the SSE events that carry a snapshot. */
export const SNAPSHOT_EVENT = 'snapshot';
