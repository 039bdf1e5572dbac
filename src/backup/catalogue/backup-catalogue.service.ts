import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { backupConfig, type BackupConfig } from '../config/backup.config.js';
import { S3_BACKUP_STORE } from '../backup.constants.js';
import { BackupError, errorMessage, type BackupStage } from '../backup.errors.js';
import { BACKUP_MODULE_OPTIONS, type BackupModuleOptions } from '../backup.options.js';
import type { ProgressListener } from '../backup.progress.js';
import { BackupFileSystem } from '../storage/backup.filesystem.js';
import type { S3BackupStore } from '../storage/s3-backup.store.js';
import { isManifest, type BackupManifest } from './backup.manifest.js';
import { backupFileName, backupStem, formatOfFile, manifestFileName, stemOfFile } from './backup.naming.js';
import { belongsTo, databaseIdentity, type DatabaseIdentity } from './database-identity.js';

export interface BackupListItem {
  name: string;
  file: string;
  createdAt: string;
  sizeBytes: number | null;
  manifest: BackupManifest;
  /** Its key in the bucket when the catalogue is S3; null in a local catalogue. */
  s3Key: string | null;
}

export interface BackupList {
  /** `s3`: the bucket, the same on every replica; `local`: the backup folder of `instance`. */
  catalogue: 's3' | 'local';
  /** The replica whose disk a local catalogue describes. */
  instance?: string;
  database: DatabaseIdentity;
  items: BackupListItem[];
  /** Why the S3 catalogue could not be read (this replica's folder is listed instead). */
  error?: string;
}

/** A backup of this database wherever it is: in the catalogue's S3 and on this replica's disk. */
export interface StoredBackup {
  name: string;
  manifest: BackupManifest;
  s3Key: string | null;
  local: boolean;
}

interface Found {
  manifest: BackupManifest;
  file: string;
  sizeBytes: number | null;
  s3Key: string | null;
}

/**
 * Where backups live: the bucket when S3 is configured (the catalogue every replica shares), and
 * this replica's folder. Lists this database's backups (by the identity in their manifests), finds
 * any backup by name (downloading it from S3 when it is not on disk), reserves names and writes
 * manifests, and deletes backups. Only names matching the backup pattern are read or deleted.
 */
@Injectable()
export class BackupCatalogue {
  private readonly logger = new Logger(BackupCatalogue.name);
  readonly dir: string;
  readonly identity: DatabaseIdentity;
  readonly instance: string;

  constructor(
    @Inject(backupConfig.KEY) config: BackupConfig,
    @Inject(BACKUP_MODULE_OPTIONS) options: BackupModuleOptions,
    private readonly files: BackupFileSystem,
    @Optional() @Inject(S3_BACKUP_STORE) readonly s3: S3BackupStore | null = null,
  ) {
    this.dir = resolve(config.dir);
    this.identity = databaseIdentity(options.database);
    this.instance = options.instanceId ?? hostname();
  }

  async list(): Promise<BackupList> {
    const base = { database: this.identity };
    if (this.s3) {
      try {
        return { ...base, catalogue: 's3', items: toItems(await this.scanS3(this.s3)) };
      } catch (error) {
        const message = `S3 listing failed: ${errorMessage(error)}`;
        this.logger.warn(message);
        return { ...base, catalogue: 'local', instance: this.instance, items: toItems(await this.scanLocal()), error: message };
      }
    }
    return { ...base, catalogue: 'local', instance: this.instance, items: toItems(await this.scanLocal()) };
  }

  /** This database's backups in S3 and on this disk, newest first: what retention decides over. */
  async stored(): Promise<{ backups: StoredBackup[]; error?: string }> {
    const local = await this.scanLocal();
    let remote = new Map<string, Found>();
    let error: string | undefined;
    if (this.s3) {
      try {
        remote = await this.scanS3(this.s3);
      } catch (cause) {
        error = `S3 listing failed: ${errorMessage(cause)}`;
      }
    }
    const names = [...new Set([...local.keys(), ...remote.keys()])].sort().reverse();
    const backups = names.map((name) => {
      const found = (remote.get(name) ?? local.get(name))!;
      return { name, manifest: found.manifest, s3Key: remote.get(name)?.s3Key ?? null, local: local.has(name) };
    });
    return { backups, ...(error ? { error } : {}) };
  }

  /** Any backup by name (of any database: callers check whose it is), downloaded from S3 when it is not on disk. */
  async locate(stem: string, onProgress?: ProgressListener): Promise<{ manifest: BackupManifest; path: string }> {
    const local = await this.readManifest(stem);
    if (local && (await this.files.exists(this.pathOf(local.file)))) return { manifest: local, path: this.pathOf(local.file) };
    if (!this.s3) throw new BackupError('not_found', `Backup ${stem} not found (or its manifest is missing)`);
    const remote = await this.findInS3(this.s3, stem);
    if (!remote) throw new BackupError('not_found', `Backup ${stem} not found locally or in S3`);
    const { manifest, key } = remote;
    await this.files.ensureDir(this.dir);
    const path = this.pathOf(manifest.file);
    const temp = this.tempPathFor(manifest.file);
    onProgress?.({ stage: 'download', total: manifest.sizeBytes });
    try {
      if (!(await this.s3.download(key, temp))) throw new BackupError('not_found', `Backup file ${key} is missing in S3`);
      await this.files.rename(temp, path);
    } finally {
      await this.files.remove(temp);
    }
    await this.writeManifest(manifest);
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

  /** Where a backup file is written before it is complete; named with this database's id (see BackupRecovery). */
  tempPathFor(file: string): string {
    return this.files.tempPathFor(this.pathOf(file), this.identity.id);
  }

  /**
   * Reserves the first free name from `time` on (a later second when taken, also by another
   * database sharing the folder) by creating its manifest exclusively, and returns that manifest.
   */
  async reserve(time: Date, build: (stem: string) => BackupManifest): Promise<BackupManifest> {
    await this.files.ensureDir(this.dir);
    const taken = new Set((await this.files.list(this.dir)).map((file) => stemOfFile(file)));
    for (let offset = 0; ; offset++) {
      const stem = backupStem(new Date(time.getTime() + offset * 1000));
      if (taken.has(stem)) continue;
      const manifest = build(stem);
      if (await this.files.createExclusive(this.pathOf(manifestFileName(stem)), serialize(manifest))) return manifest;
    }
  }

  async writeManifest(manifest: BackupManifest): Promise<void> {
    await this.files.writeTextAtomic(this.pathOf(manifestFileName(manifest.name)), serialize(manifest));
  }

  /** The manifest on disk and, for a backup that is in S3, beside it there. */
  async publishManifest(manifest: BackupManifest): Promise<void> {
    await this.writeManifest(manifest);
    if (this.s3 && manifest.s3) await this.s3.putText(manifestKeyOf(manifest.s3.key, manifest.name), serialize(manifest));
  }

  /** Deletes a backup and its manifest on this disk, then in S3; an S3 failure is returned, not thrown. */
  async delete(backup: StoredBackup): Promise<string | undefined> {
    await this.removeLocal(backup.name);
    if (!backup.s3Key || !this.s3) return undefined;
    try {
      await this.s3.delete(backup.s3Key);
      await this.s3.delete(manifestKeyOf(backup.s3Key, backup.name));
      return undefined;
    } catch (error) {
      return `S3 delete failed: ${errorMessage(error)}`;
    }
  }

  async removeLocal(stem: string): Promise<void> {
    for (const file of await this.files.list(this.dir)) {
      if (stemOfFile(file) === stem) await this.files.remove(this.pathOf(file));
    }
  }

  async readManifest(stem: string): Promise<BackupManifest | null> {
    try {
      return parseManifest(stem, await this.files.readText(this.pathOf(manifestFileName(stem))));
    } catch {
      return null;
    }
  }

  /** This database's complete backups in the folder (a backup file with its manifest). */
  private async scanLocal(): Promise<Map<string, Found>> {
    const found = new Map<string, Found>();
    for (const file of await this.files.list(this.dir)) {
      const stem = stemOfFile(file);
      if (!stem || !formatOfFile(file)) continue;
      const manifest = await this.readManifest(stem);
      if (!manifest || manifest.file !== file || !belongsTo(manifest, this.identity)) continue;
      found.set(stem, { manifest, file, sizeBytes: (await this.files.size(this.pathOf(file))) ?? null, s3Key: null });
    }
    return found;
  }

  /** This database's backups in the bucket: its own prefix, and older ones directly under `backups/`. */
  private async scanS3(s3: S3BackupStore): Promise<Map<string, Found>> {
    const found = new Map<string, Found>();
    for (const object of await s3.list()) {
      const file = object.key.slice(object.key.lastIndexOf('/') + 1);
      const stem = stemOfFile(file);
      if (!stem || !formatOfFile(file) || found.has(stem)) continue;
      const manifest = parseManifest(stem, await s3.getText(manifestKeyOf(object.key, stem)));
      if (!manifest || manifest.file !== file || !belongsTo(manifest, this.identity)) continue;
      found.set(stem, { manifest, file, sizeBytes: object.sizeBytes, s3Key: object.key });
    }
    return found;
  }

  /** This database's prefix first, then the older flat layout, then the other databases' prefixes. */
  private async findInS3(s3: S3BackupStore, stem: string): Promise<{ manifest: BackupManifest; key: string } | null> {
    const name = manifestFileName(stem);
    for (const prefix of [s3.prefix, s3.legacyKeyOf(''), ...(await s3.otherPrefixes())]) {
      const manifest = parseManifest(stem, await s3.getText(`${prefix}${name}`));
      if (manifest) return { manifest, key: `${prefix}${manifest.file}` };
    }
    return null;
  }
}

function serialize(manifest: BackupManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The manifest's key beside a backup's key. */
function manifestKeyOf(backupKey: string, stem: string): string {
  return `${backupKey.slice(0, backupKey.lastIndexOf('/') + 1)}${manifestFileName(stem)}`;
}

function toItems(found: Map<string, Found>): BackupListItem[] {
  return [...found.values()]
    .map(({ manifest, file, sizeBytes, s3Key }) => ({
      name: manifest.name,
      file,
      createdAt: manifest.createdAt,
      sizeBytes,
      manifest,
      s3Key,
    }))
    .sort((a, b) => b.name.localeCompare(a.name));
}

/** A manifest is trusted only if it names its own backup: a file name from it never leaves BACKUP_DIR. */
function parseManifest(stem: string, text: string | undefined): BackupManifest | null {
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
