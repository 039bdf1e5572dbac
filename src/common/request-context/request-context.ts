import { AsyncLocalStorage } from 'node:async_hooks';

/** The part of an HTTP request the context exposes; `user` is set by the auth guard once verified. */
export interface ContextRequest {
  user?: { id: number };
}

interface RequestContextStore {
  request: ContextRequest;
}

const storage = new AsyncLocalStorage<RequestContextStore>();

/**
 * Per-request context without request-scoped providers: RequestContextMiddleware opens it for
 * every request, and code deep in a call (e.g. @Cached) reads the current user from it.
 * The request itself is held, so the user is read at call time, after the guards ran.
 */
export class RequestContext {
  static run<T>(request: ContextRequest, callback: () => T): T {
    return storage.run({ request }, callback);
  }

  /** The signed-in user's id, `'anonymous'` in a request without one, undefined outside any request. */
  static currentUserId(): number | 'anonymous' | undefined {
    const store = storage.getStore();
    if (!store) return undefined;
    return store.request.user?.id ?? 'anonymous';
  }
}
