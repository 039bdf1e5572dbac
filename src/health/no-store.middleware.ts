import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Probe answers must never be cached by a proxy, including 401/403/503 answers. (Nest middleware on Fastify gets Node's request and response.) */
@Injectable()
export class NoStoreMiddleware implements NestMiddleware {
  use(_request: IncomingMessage, response: ServerResponse, next: () => void): void {
    response.setHeader('Cache-Control', 'no-store');
    next();
  }
}
