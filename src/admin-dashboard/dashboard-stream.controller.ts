import { Controller, Sse, type MessageEvent } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Observable } from 'rxjs';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { AdminOnly } from '../common/access/access.decorators.js';
import { DashboardStreamService } from './dashboard-stream.service.js';

@ApiTags('admin')
@Controller('admin/metrics')
@AdminOnly()
export class DashboardStreamController {
  constructor(private readonly streams: DashboardStreamService) {}

  @Sse('stream')
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'Server-sent events: a `snapshot` event every DASHBOARD_STREAM_INTERVAL_MS (the first at once) with the admin metrics view and the health status with its issues',
  })
  stream(@CurrentUser() user: AuthUser): Observable<MessageEvent> {
    return this.streams.stream(user.tokenExpiresAt);
  }
}
