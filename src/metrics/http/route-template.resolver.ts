import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Request } from 'express';
import { METHODS } from 'node:http';

const ALL_METHODS = METHODS.map((method) => method.toLowerCase());

/** `router.all()` sets `_all`; Express's `app.all()` registers every method one by one. */
function answersEveryMethod(route: ExpressRoute): boolean {
  return Boolean(route.methods._all) || ALL_METHODS.every((method) => route.methods[method]);
}

/** The parts of Express 5's router (the `router` package) the resolver reads. */
interface ExpressRoute {
  path: unknown;
  methods: Record<string, boolean | undefined>;
}
interface RouterLayer {
  route?: ExpressRoute;
  match(path: string): unknown;
}
interface ExpressAppWithRouter {
  router?: { stack: RouterLayer[] };
}

/**
 * The route template of a request, with the global prefix (`/api/v1/mentors/:id`): Express
 * sets `req.route` on the route Nest registered for the handler, so guard, pipe and handler
 * failures all carry it. Requests rejected before routing (a malformed JSON body, a body too
 * large) have no `req.route`; for those the registered routes are asked which one the URL
 * and method match, so they are still counted under their endpoint. Undefined: no route.
 *
 * Nest answers unknown URLs through catch-all routes of its own (`all('*path')` under the
 * prefix, `all('/metrics')` for excluded paths), so a 404 from an all-methods route is
 * treated as "no route" too.
 */
@Injectable()
export class RouteTemplateResolver {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  resolve(request: Request, status: number): string | undefined {
    const route = request.route as ExpressRoute | undefined;
    if (route && typeof route.path === 'string') {
      return status === 404 && answersEveryMethod(route) ? undefined : request.baseUrl + route.path;
    }
    return this.matchRegisteredRoute(request);
  }

  private matchRegisteredRoute(request: Request): string | undefined {
    const app = this.adapterHost.httpAdapter?.getInstance<ExpressAppWithRouter>();
    const layers = app?.router?.stack;
    if (!layers) return undefined;
    const method = request.method.toLowerCase();
    let path: string;
    try {
      path = request.path;
    } catch {
      return undefined;
    }
    for (const layer of layers) {
      const route = layer.route;
      if (!route || typeof route.path !== 'string') continue;
      if (!(route.methods[method] || (method === 'head' && route.methods.get)) || answersEveryMethod(route)) continue;
      try {
        if (layer.match(path)) return route.path;
      } catch {
        // A path Express cannot decode (e.g. a stray "%") matches no route.
        return undefined;
      }
    }
    return undefined;
  }
}
