import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RequestContext, type ContextRequest } from './request-context.js';

@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(request: Request, _response: Response, next: () => void): void {
    RequestContext.run(request as Request & ContextRequest, next);
  }
}
