import { Module, type DynamicModule } from '@nestjs/common';
import { DashboardAssetsService } from './dashboard-assets.service.js';
import { DashboardSnapshotService } from './dashboard-snapshot.service.js';
import { DashboardStreamController } from './dashboard-stream.controller.js';
import { DashboardStreamService } from './dashboard-stream.service.js';

/**
 * The live admin dashboard: the page at /admin/dashboard (its files served as `configureApp`
 * registers them) and the admin-only event stream it reads. It only reads the other modules
 * (metrics view, health report, shutdown signal); none of them depends on it.
 */
@Module({
  controllers: [DashboardStreamController],
  providers: [DashboardAssetsService, DashboardSnapshotService, DashboardStreamService],
})
export class AdminDashboardModule {
  /** `health` is the app's HealthModule as the app set it up: the dashboard shares that instance. */
  static forRoot({ health }: { health: DynamicModule }): DynamicModule {
    return { module: AdminDashboardModule, imports: [health] };
  }
}
