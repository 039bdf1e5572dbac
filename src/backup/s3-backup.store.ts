import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Logger } from '@nestjs/common';
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Settings } from './backup.config.js';
import type { BackupFileSystem } from './backup.filesystem.js';
import type { BackupS3Copy } from './backup.manifest.js';
import { S3_KEY_PREFIX } from './backup.naming.js';

/** Parts of 5 MiB (the S3 minimum), two in flight: memory stays bounded whatever the backup size. */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

export interface S3Object {
  key: string;
  sizeBytes: number;
  lastModified?: Date;
}

/**
 * Computes, while the bytes stream to S3, both ETag forms a server may answer: the MD5 of the
 * whole object (single PUT, and some S3-compatible servers for multipart) and AWS's multipart
 * form (MD5 of the part MD5s, "-N"), using the same part boundaries as the upload.
 */
class EtagStream extends Transform {
  private readonly whole: Hash = createHash('md5');
  private part: Hash = createHash('md5');
  private partBytes = 0;
  private readonly partDigests: Buffer[] = [];

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.whole.update(chunk);
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(PART_SIZE - this.partBytes, chunk.length - offset);
      this.part.update(chunk.subarray(offset, offset + take));
      this.partBytes += take;
      offset += take;
      if (this.partBytes === PART_SIZE) {
        this.partDigests.push(this.part.digest());
        this.part = createHash('md5');
        this.partBytes = 0;
      }
    }
    callback(null, chunk);
  }

  etags(): string[] {
    const parts = this.partBytes > 0 ? [...this.partDigests, this.part.digest()] : this.partDigests;
    const whole = this.whole.digest('hex');
    if (parts.length <= 1) return [whole];
    return [whole, `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}`];
  }
}

/** Backups in an S3 bucket under `backups/`: streamed multipart uploads, listing, downloads, deletes. */
export class S3BackupStore {
  private readonly logger = new Logger(S3BackupStore.name);
  private readonly client: S3Client;

  constructor(
    private readonly settings: S3Settings,
    private readonly files: BackupFileSystem,
  ) {
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
    return `${S3_KEY_PREFIX}${fileName}`;
  }

  /**
   * Streams the file to S3 and checks what arrived: the stored size must match, and the ETag is
   * compared with our MD5 when the server uses one of the MD5 forms.
   */
  async upload(
    path: string,
    fileName: string,
    sha256: string,
    onProgress?: (loaded: number, total: number) => void,
  ): Promise<BackupS3Copy> {
    const sizeBytes = await this.files.size(path);
    if (sizeBytes === undefined) throw new Error(`${fileName} is missing`);
    const key = this.keyOf(fileName);
    const etag = new EtagStream();
    const source = this.files.createReadStream(path);
    const body = source.pipe(etag);
    source.once('error', (error) => etag.destroy(error));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.settings.bucket, Key: key, Body: body, ContentLength: sizeBytes, Metadata: { sha256 } },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    upload.on('httpUploadProgress', (progress) => onProgress?.(progress.loaded ?? 0, sizeBytes));
    try {
      await upload.done();
    } finally {
      source.destroy();
    }
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key }));
    if (head.ContentLength !== sizeBytes) {
      throw new Error(`S3 stored ${head.ContentLength ?? 'no'} bytes for ${key}, expected ${sizeBytes}`);
    }
    const remoteEtag = head.ETag?.replaceAll('"', '').toLowerCase();
    const checkedBy = remoteEtag !== undefined && etag.etags().includes(remoteEtag) ? 'md5' : 'size';
    if (checkedBy === 'size') this.logger.warn(`The ETag of ${key} is not an MD5 of its bytes (encrypted bucket?); checked its size only`);
    return { key, uploadedAt: new Date().toISOString(), sizeBytes, checkedBy };
  }

  async putText(fileName: string, text: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.settings.bucket, Key: this.keyOf(fileName), Body: text, ContentType: 'application/json' }),
    );
  }

  async getText(fileName: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.keyOf(fileName) }));
      return await response.Body?.transformToString('utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Every object under `backups/` (callers keep only names matching our pattern). */
  async list(): Promise<S3Object[]> {
    const objects: S3Object[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: S3_KEY_PREFIX, ContinuationToken: token }),
      );
      objects.push(
        ...(page.Contents ?? [])
          .filter((item): item is _Object & { Key: string } => item.Key !== undefined)
          .map((item) => ({ key: item.Key, sizeBytes: item.Size ?? 0, lastModified: item.LastModified })),
      );
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  /** Streams an object to a new local file; false when it does not exist. */
  async download(fileName: string, destination: string): Promise<boolean> {
    let body: Readable;
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.keyOf(fileName) }));
      body = response.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    await pipeline(body, this.files.createWriteStream(destination));
    return true;
  }

  async delete(fileName: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.keyOf(fileName) }));
  }

  destroy(): void {
    this.client.destroy();
  }
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}
