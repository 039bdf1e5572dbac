import { Module } from '@nestjs/common';
import { DemoDataInitializer } from './demo-data.initializer.js';
import { DemoDataService } from './demo-data.service.js';

@Module({
  providers: [DemoDataService, DemoDataInitializer],
  exports: [DemoDataService],
})
export class DemoDataModule {}
