import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';

/** Header naming the replica that answered an admin request. */
const INSTANCE_HEADER = 'X-Instance-Id';

/**
 * A Fastify `onRoute` hook (see `configureApp`): each route under `prefix` gets a request hook of
 * its own that sets X-Instance-Id before a guard, the handler or the error filter answers, so an
 * operator behind a load balancer sees which replica answered, 401s and 403s included. Other
 * routes pay nothing, and public answers name no host.
 */
export function instanceHeaderHook(instance: string, prefix: string): (route: RouteOptions) => void {
  const setHeader = (_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    reply.header(INSTANCE_HEADER, instance);
    done();
  };
  return (route) => {
    if (route.url !== prefix && !route.url.startsWith(`${prefix}/`)) return;
    route.onRequest = [route.onRequest ?? [], setHeader].flat();
  };
}
