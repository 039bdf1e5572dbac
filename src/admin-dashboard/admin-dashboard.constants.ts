/** The page's URL, outside the /api/v1 prefix (a person types it). */
export const DASHBOARD_PATH = 'admin/dashboard';

/**
 * Nothing but this origin's own files and API: no inline script or style, no framing, no other
 * hosts. The page builds its DOM with textContent, so data never becomes markup either.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Name of the SSE events that carry a snapshot. */
export const SNAPSHOT_EVENT = 'snapshot';
