import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DASHBOARD_PATH } from './admin-dashboard.constants.js';
import { DashboardAsset } from './admin-dashboard.decorators.js';
import { DashboardAssetsService } from './dashboard-assets.service.js';

/**
 * The live dashboard page and its files, one explicit route each (the metrics see each as its
 * own route template, and no path from a request reaches the filesystem). The page is public:
 * it holds no data; it signs in and reads the admin-only stream.
 */
@ApiExcludeController()
@Controller(DASHBOARD_PATH)
export class DashboardPageController {
  constructor(private readonly assets: DashboardAssetsService) {}

  @Get()
  @DashboardAsset('text/html; charset=utf-8')
  page(): string {
    return this.assets.get('index.html');
  }

  @Get('dashboard.css')
  @DashboardAsset('text/css; charset=utf-8')
  styles(): string {
    return this.assets.get('dashboard.css');
  }

  @Get('dashboard.js')
  @DashboardAsset('text/javascript; charset=utf-8')
  script(): string {
    return this.assets.get('dashboard.js');
  }

  @Get('vendor/chart.umd.js')
  @DashboardAsset('text/javascript; charset=utf-8')
  chart(): string {
    return this.assets.get('chart.umd.js');
  }
}
