import { applyDecorators, Header } from '@nestjs/common';

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

/** Headers of every file of the dashboard page. Files are revalidated (ETag) on each load, so a deploy shows at once. */
export function DashboardAsset(contentType: string): MethodDecorator {
  return applyDecorators(
    Header('Content-Type', contentType),
    Header('Content-Security-Policy', DASHBOARD_CSP),
    Header('X-Content-Type-Options', 'nosniff'),
    Header('Referrer-Policy', 'no-referrer'),
    Header('X-Frame-Options', 'DENY'),
    Header('Cache-Control', 'no-cache'),
  );
}
