import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AsyncLocalStorage } from 'node:async_hooks';

/** The part of an HTTP request the context exposes; `user` is set by the auth guard once verified. */
export interface ContextRequest {
  /** The request id (X-Request-Id). */
  id?: string;
  user?: { id: number };
}

const storage = new AsyncLocalStorage<ContextRequest>();

/**
 * Per-request context without request-scoped providers: `openRequestContext` opens it for every
 * routed request, and code deep in a call (e.g. @Cached) reads the current user from it.
 * The request itself is held, so the user is read at call time, after the guards ran.
 */
export class RequestContext {
  static run<T>(request: ContextRequest, callback: () => T): T {
    return storage.run(request, callback);
  }

  /** The signed-in user's id, `'anonymous'` in a request without one, undefined outside any request. */
  static currentUserId(): number | 'anonymous' | undefined {
    const request = storage.getStore();
    if (!request) return undefined;
    return request.user?.id ?? 'anonymous';
  }

  /** The id of the request being handled, for logs; undefined outside any request. */
  static currentRequestId(): string | undefined {
    return storage.getStore()?.id;
  }
}

/**
 * Fastify `preHandler` hook (see `configureApp`) that runs the rest of the request in its context:
 * guards, pipes, the handler and all they await. It comes after the body is read, whose stream
 * events run in the connection's async context and would lose one opened earlier.
 */
export function openRequestContext(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  RequestContext.run(request, done);
}
