import type { ErrorEvent } from '@sentry/nestjs';

/** `scheme://user:password@` in a message (a database or Redis URL in a driver's error). */
const URL_CREDENTIALS = /\b([a-z][a-z\d+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;

export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1[Filtered]@');
}

/**
 * Sentry's `beforeSend`: the last word on what leaves the process. The SDK's defaults move between
 * minor versions (10.x changed which headers and bodies it collects), so rather than trusting the
 * integrations we chose, this keeps of the request only its method and its URL without the query
 * string (no headers, cookies, body: no bearer token, no password), drops user data and
 * breadcrumbs (log lines), and masks credentials inside URLs quoted in error messages.
 */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  const { request, user: _user, breadcrumbs: _breadcrumbs, ...rest } = event;
  const scrubbed: ErrorEvent = { ...rest };
  if (request) scrubbed.request = { method: request.method, url: request.url?.replace(/[?#].*$/s, '') };
  if (rest.exception?.values) {
    scrubbed.exception = {
      ...rest.exception,
      values: rest.exception.values.map((value) => (value.value ? { ...value, value: redactUrlCredentials(value.value) } : value)),
    };
  }
  return scrubbed;
}
