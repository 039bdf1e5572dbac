import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module.js';
import { Mentor } from './mentor.entity.js';
import { MentorsController } from './mentors.controller.js';
import { MentorsService } from './mentors.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([Mentor]), DatabaseModule],
  controllers: [MentorsController],
  providers: [MentorsService],
})
export class MentorsModule {}
