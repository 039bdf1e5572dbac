import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';

/** Key of the Fastify route config that @NoStore() sets. */
const NO_STORE = 'mentorhub:no-store';

/** Marks a handler whose answers a proxy must never cache, its 401/403/503 answers included (health probes). */
export const NoStore = (): MethodDecorator => RouteConfig({ [NO_STORE]: true });

function setNoStore(_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  reply.header('Cache-Control', 'no-store');
  done();
}

/**
 * Fastify `onRoute` hook (see `configureApp`): a route marked @NoStore() gets a request hook of its
 * own that sets the header before a guard, the handler or the error filter answers; no other route
 * pays for it.
 */
export function addNoStoreHook(route: RouteOptions): void {
  if ((route.config as Record<string, unknown> | undefined)?.[NO_STORE] !== true) return;
  route.onRequest = [route.onRequest ?? [], setNoStore].flat();
}
