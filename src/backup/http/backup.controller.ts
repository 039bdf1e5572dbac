import { Controller, Get, HttpCode, HttpStatus, Param, Post, UseFilters } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/access/access.decorators.js';
import { BackupExceptionFilter } from './backup-exception.filter.js';
import type { BackupManifest } from '../catalogue/backup.manifest.js';
import { BackupService } from '../backup.service.js';
import type { BackupList } from '../catalogue/backup-catalogue.service.js';
import type { CreateBackupResult } from '../create/backup-creator.service.js';
import type { BackupStatus } from '../catalogue/backup-status.service.js';
import { ParseBackupNamePipe } from './parse-backup-name.pipe.js';

/** Admin backup endpoints. Restores stay on the CLI (`npm run backup -- restore <name>`). */
@ApiTags('admin')
@AdminOnly()
@UseFilters(BackupExceptionFilter)
@Controller('admin/backups')
export class BackupController {
  constructor(private readonly backups: BackupService) {}

  @Get()
  @ApiOkResponse({
    description: "This database's backups, newest first, with their manifests (from S3 when configured, else this replica's folder)",
  })
  list(): Promise<BackupList> {
    return this.backups.list();
  }

  @Get('status')
  @ApiOkResponse({
    description: 'Last success, last verified backup, last failure with its reason, recent runs, next scheduled run, staleness',
  })
  getStatus(): Promise<BackupStatus> {
    return this.backups.readStatus();
  }

  @Post()
  @ApiCreatedResponse({ description: 'The backup was written (and uploaded when S3 is configured)' })
  @ApiConflictResponse({ description: 'A backup operation is already running' })
  create(): Promise<CreateBackupResult> {
    return this.backups.createBackup({ trigger: 'manual' });
  }

  @Post(':name/verify')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ description: 'The manifest with the trial-restore result' })
  @ApiBadRequestResponse({ description: 'Not a backup name' })
  @ApiConflictResponse({ description: 'A backup operation is already running' })
  verify(@Param('name', ParseBackupNamePipe) name: string): Promise<BackupManifest> {
    return this.backups.verifyBackup(name);
  }
}
