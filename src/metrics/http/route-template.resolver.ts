import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The route template of a request, with the global prefix (`/api/v1/mentors/:id`): the route
 * Fastify matched, which its request keeps whichever step answered (a guard, a pipe, the body
 * parser, the handler). Undefined when no route answered: an unknown URL or method, a path the
 * router refused before routing, or a request handed to the not-found handler after routing
 * (e.g. an empty path parameter), whose request then has the not-found handler's context,
 * without a URL.
 */
@Injectable()
export class RouteTemplateResolver {
  resolve(request: FastifyRequest): string | undefined {
    return request.routeOptions.url;
  }
}
