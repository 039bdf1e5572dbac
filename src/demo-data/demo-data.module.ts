import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { DemoDataInitializer } from './demo-data.initializer.js';
import { DemoDataService } from './demo-data.service.js';

@Module({
  imports: [AuthModule, DatabaseModule],
  providers: [DemoDataService, DemoDataInitializer],
  exports: [DemoDataService],
})
export class DemoDataModule {}
