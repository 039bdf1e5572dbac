import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupConfig, S3Settings } from '../config/backup.config.js';
import type { BackupModuleOptions } from '../backup.options.js';
import type { BackupS3Copy } from '../catalogue/backup.manifest.js';
import { S3_KEY_PREFIX } from '../catalogue/backup.naming.js';
import { databaseIdentity } from '../catalogue/database-identity.js';
import type { BackupFileSystem } from './backup.filesystem.js';
import { FileUpload, type EncryptionParams, type UploadProgress } from './s3-multipart.upload.js';

export interface S3Object {
  key: string;
  sizeBytes: number;
}

/**
 * Backups in an S3 bucket, each database under a prefix of its own (`backups/<database id>/`),
 * so databases sharing a bucket never overwrite or see each other's backups. Backups written
 * before that, directly under `backups/`, are still listed, read and deleted. Every object is
 * written with the configured server-side encryption.
 */
export class S3BackupStore {
  private readonly logger = new Logger(S3BackupStore.name);
  private readonly client: S3Client;
  private readonly uploads = new FileUpload();
  /** This database's folder in the bucket. */
  readonly prefix: string;
  private readonly encryption: EncryptionParams;

  constructor(
    private readonly settings: S3Settings,
    private readonly files: BackupFileSystem,
    databaseId: string,
  ) {
    this.prefix = `${S3_KEY_PREFIX}${databaseId}/`;
    this.encryption = settings.sse ? { ServerSideEncryption: settings.sse, SSEKMSKeyId: settings.kmsKeyId } : {};
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.endpoint !== undefined,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      // With the default (WHEN_SUPPORTED) a streamed PutObject uses aws-chunked framing, which some
      // S3-compatible servers store verbatim while answering 200.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    });
  }

  get bucket(): string {
    return this.settings.bucket;
  }

  keyOf(fileName: string): string {
    return `${this.prefix}${fileName}`;
  }

  /** Where backups were written before each database had its own prefix. */
  legacyKeyOf(fileName: string): string {
    return `${S3_KEY_PREFIX}${fileName}`;
  }

  /**
   * Uploads the file under this database's prefix and checks what arrived: the stored size must
   * match, and the ETag is compared with our MD5 when the server uses one of the MD5 forms.
   */
  async upload(path: string, fileName: string, sha256: string, onProgress?: UploadProgress): Promise<BackupS3Copy> {
    const sizeBytes = await this.files.size(path);
    if (sizeBytes === undefined) throw new Error(`${fileName} is missing`);
    const key = this.keyOf(fileName);
    const handle = await this.files.openForReading(path);
    let etags: string[];
    try {
      const target = { client: this.client, bucket: this.bucket, key, metadata: { sha256 }, encryption: this.encryption };
      etags = await this.uploads.send(target, handle, sizeBytes, onProgress);
    } finally {
      await handle.close();
    }
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    if (head.ContentLength !== sizeBytes) {
      throw new Error(`S3 stored ${head.ContentLength ?? 'no'} bytes for ${key}, expected ${sizeBytes}`);
    }
    const remoteEtag = head.ETag?.replaceAll('"', '').toLowerCase();
    const checkedBy = remoteEtag !== undefined && etags.includes(remoteEtag) ? 'md5' : 'size';
    if (checkedBy === 'size') this.logger.warn(`The ETag of ${key} is not an MD5 of its bytes (encrypted bucket?); checked its size only`);
    return { key, uploadedAt: new Date().toISOString(), sizeBytes, checkedBy };
  }

  async putText(key: string, text: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: 'application/json', ...this.encryption }),
    );
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await response.Body?.transformToString('utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The objects under this database's prefix and those directly under `backups/` (callers keep only backup names). */
  async list(): Promise<S3Object[]> {
    const [own, legacy] = await Promise.all([this.listPrefix(this.prefix), this.listPrefix(S3_KEY_PREFIX)]);
    return [...own.objects, ...legacy.objects];
  }

  /** The other databases' prefixes in the bucket. */
  async otherPrefixes(): Promise<string[]> {
    return (await this.listPrefix(S3_KEY_PREFIX)).prefixes.filter((prefix) => prefix !== this.prefix);
  }

  /** Streams an object to a new local file; false when it does not exist. */
  async download(key: string, destination: string): Promise<boolean> {
    let body: Readable;
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      body = response.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    await pipeline(body, this.files.createWriteStream(destination));
    return true;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  destroy(): void {
    this.client.destroy();
  }

  /** One level under `prefix`: its objects, and the prefixes below it. */
  private async listPrefix(prefix: string): Promise<{ objects: S3Object[]; prefixes: string[] }> {
    const objects: S3Object[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
      );
      objects.push(
        ...(page.Contents ?? [])
          .filter((item): item is _Object & { Key: string } => item.Key !== undefined)
          .map((item) => ({ key: item.Key, sizeBytes: item.Size ?? 0 })),
      );
      prefixes.push(...(page.CommonPrefixes ?? []).flatMap((common) => (common.Prefix ? [common.Prefix] : [])));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { objects, prefixes };
  }
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/** The store when S3 is configured, else null. */
export function createS3Store(config: BackupConfig, files: BackupFileSystem, options: BackupModuleOptions): S3BackupStore | null {
  return config.s3 ? new S3BackupStore(config.s3, files, databaseIdentity(options.database).id) : null;
}
