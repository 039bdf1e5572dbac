import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { DatabaseLockService } from '../database/database-lock.service.js';
import { DEFAULT_DEMO_SIZE } from './demo-data.generator.js';
import { DemoDataService } from './demo-data.service.js';

/** Fills an empty database with the demo data set when the API starts (DEMO_DATA). */
@Injectable()
export class DemoDataInitializer implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoDataInitializer.name);

  constructor(
    private readonly demoData: DemoDataService,
    private readonly lock: DatabaseLockService,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.demoData) return;
    await this.lock.withLock('mentorhub:demo-data', () => this.seedIfEmpty());
  }

  private async seedIfEmpty(): Promise<void> {
    if (!(await this.demoData.isEmpty())) return;
    const result = await this.demoData.seed(DEFAULT_DEMO_SIZE);
    this.logger.log(
      `Empty database: added demo data (${result.mentors} mentors, ${result.courses} courses, ${result.reviews} reviews) in ${result.durationMs} ms`,
    );
  }
}
