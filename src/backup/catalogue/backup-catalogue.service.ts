import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { backupConfig, type BackupConfig } from '../backup.config.js';
import { S3_BACKUP_STORE } from '../backup.constants.js';
import { BackupError, errorMessage, type BackupStage } from '../backup.errors.js';
import type { ProgressListener } from '../backup.progress.js';
import { BackupFileSystem } from '../storage/backup.filesystem.js';
import type { S3BackupStore } from '../storage/s3-backup.store.js';
import { isManifest, type BackupManifest } from './backup.manifest.js';
import { backupFileName, backupStem, formatOfFile, manifestFileName, stemOfFile, timeOfStem } from './backup.naming.js';

export interface BackupListItem {
  name: string;
  file: string | null;
  createdAt: string;
  local: boolean;
  s3: boolean;
  sizeBytes: number | null;
  manifest: BackupManifest | null;
}

export interface BackupList {
  items: BackupListItem[];
  s3: { enabled: boolean; error?: string };
}

/**
 * Where backups live: the local folder and, when configured, the S3 bucket. Lists them with their
 * manifests, finds one (downloading it from S3 when it is not on disk), writes manifests and
 * deletes backups. Only names matching the backup pattern are ever read or deleted.
 */
@Injectable()
export class BackupCatalogue {
  private readonly logger = new Logger(BackupCatalogue.name);
  readonly dir: string;

  constructor(
    @Inject(backupConfig.KEY) config: BackupConfig,
    private readonly files: BackupFileSystem,
    @Optional() @Inject(S3_BACKUP_STORE) readonly s3: S3BackupStore | null = null,
  ) {
    this.dir = resolve(config.dir);
  }

  async list(): Promise<BackupList> {
    const entries = new Map<string, BackupListItem>();
    await this.addLocal(entries);
    const s3 = { enabled: this.s3 !== null, error: undefined as string | undefined };
    if (this.s3) {
      try {
        await this.addS3(this.s3, entries);
      } catch (error) {
        s3.error = `S3 listing failed: ${errorMessage(error)}`;
        this.logger.warn(s3.error);
      }
    }
    const items = [...entries.values()].filter((item) => item.file !== null).sort((a, b) => b.name.localeCompare(a.name));
    return { items, s3: s3.error ? s3 : { enabled: s3.enabled } };
  }

  /** The backup file and its manifest, downloaded from S3 when they are not on disk. */
  async locate(stem: string, onProgress?: ProgressListener): Promise<{ manifest: BackupManifest; path: string }> {
    const local = await this.readLocalManifest(stem);
    if (local && (await this.files.exists(this.pathOf(local.file)))) return { manifest: local, path: this.pathOf(local.file) };
    if (!this.s3) throw new BackupError('not_found', `Backup ${stem} not found (or its manifest is missing)`);
    const manifest = local ?? this.parseManifest(stem, await this.s3.getText(manifestFileName(stem)));
    if (!manifest) throw new BackupError('not_found', `Backup ${stem} not found locally or in S3`);
    await this.files.ensureDir(this.dir);
    const path = this.pathOf(manifest.file);
    const temp = this.files.tempPathFor(path);
    onProgress?.({ stage: 'download', total: manifest.sizeBytes });
    try {
      if (!(await this.s3.download(manifest.file, temp))) {
        throw new BackupError('not_found', `Backup file ${manifest.file} is missing in S3`);
      }
      await this.files.rename(temp, path);
    } finally {
      await this.files.remove(temp);
    }
    if (!local) await this.writeManifest(manifest);
    return { manifest, path };
  }

  async checkChecksum(manifest: BackupManifest, path: string, stage: BackupStage): Promise<void> {
    const digest = await this.files.digest(path);
    if (digest.sha256 !== manifest.sha256 || digest.sizeBytes !== manifest.sizeBytes) {
      throw new BackupError(
        'checksum_mismatch',
        `Backup ${manifest.name} does not match its manifest checksum (corrupted); nothing was changed`,
        stage,
      );
    }
  }

  pathOf(file: string): string {
    return join(this.dir, file);
  }

  async writeManifest(manifest: BackupManifest): Promise<void> {
    await this.files.writeTextAtomic(this.pathOf(manifestFileName(manifest.name)), `${JSON.stringify(manifest, null, 2)}\n`);
  }

  /** The manifest on disk and, for a backup that is in S3, beside it there. */
  async publishManifest(manifest: BackupManifest): Promise<void> {
    await this.writeManifest(manifest);
    if (this.s3 && manifest.s3) await this.s3.putText(manifestFileName(manifest.name), JSON.stringify(manifest, null, 2));
  }

  /** The stem for a backup started now; a later second if that name is taken (two backups in one second). */
  async freeStem(time: Date): Promise<string> {
    const taken = new Set((await this.files.list(this.dir)).map((file) => stemOfFile(file)).filter(Boolean));
    let candidate = time;
    while (taken.has(backupStem(candidate))) candidate = new Date(candidate.getTime() + 1000);
    return backupStem(candidate);
  }

  /** Deletes a backup and its manifest on disk, then in S3; an S3 failure is returned, not thrown. */
  async delete(item: BackupListItem): Promise<string | undefined> {
    for (const file of await this.files.list(this.dir)) {
      if (stemOfFile(file) === item.name) await this.files.remove(this.pathOf(file));
    }
    if (!item.s3 || !this.s3 || !item.file) return undefined;
    try {
      await this.s3.delete(item.file);
      await this.s3.delete(manifestFileName(item.name));
      return undefined;
    } catch (error) {
      return `S3 delete failed: ${errorMessage(error)}`;
    }
  }

  private async addLocal(entries: Map<string, BackupListItem>): Promise<void> {
    for (const file of await this.files.list(this.dir)) {
      const stem = stemOfFile(file);
      if (!stem) continue;
      const item = entryOf(entries, stem);
      if (formatOfFile(file)) {
        item.file = file;
        item.local = true;
        item.sizeBytes = (await this.files.size(this.pathOf(file))) ?? null;
      } else {
        setManifest(item, await this.readLocalManifest(stem));
      }
    }
  }

  private async addS3(s3: S3BackupStore, entries: Map<string, BackupListItem>): Promise<void> {
    for (const object of await s3.list()) {
      const file = object.key.slice(object.key.lastIndexOf('/') + 1);
      const stem = stemOfFile(file);
      if (!stem || object.key !== s3.keyOf(file) || !formatOfFile(file)) continue;
      const item = entryOf(entries, stem);
      item.s3 = true;
      item.file ??= file;
      item.sizeBytes ??= object.sizeBytes;
    }
    for (const item of entries.values()) {
      if (item.s3 && !item.manifest) setManifest(item, this.parseManifest(item.name, await s3.getText(manifestFileName(item.name))));
    }
  }

  private async readLocalManifest(stem: string): Promise<BackupManifest | null> {
    try {
      return this.parseManifest(stem, await this.files.readText(this.pathOf(manifestFileName(stem))));
    } catch {
      return null;
    }
  }

  /** A manifest is trusted only if it names its own backup: a file name from it never leaves BACKUP_DIR. */
  private parseManifest(stem: string, text: string | undefined): BackupManifest | null {
    if (text === undefined) return null;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return null;
    }
    if (!isManifest(value) || value.name !== stem) return null;
    const format = formatOfFile(value.file);
    if (!format || value.file !== backupFileName(stem, format) || format !== value.format) return null;
    return value;
  }
}

function entryOf(entries: Map<string, BackupListItem>, stem: string): BackupListItem {
  let item = entries.get(stem);
  if (!item) {
    item = { name: stem, file: null, createdAt: timeOfStem(stem).toISOString(), local: false, s3: false, sizeBytes: null, manifest: null };
    entries.set(stem, item);
  }
  return item;
}

function setManifest(item: BackupListItem, manifest: BackupManifest | null): void {
  item.manifest = manifest;
  if (manifest) item.createdAt = manifest.createdAt;
}
