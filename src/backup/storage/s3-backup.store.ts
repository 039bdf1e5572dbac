import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type _Object,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupConfig, S3Settings } from '../backup.config.js';
import type { BackupFileSystem } from './backup.filesystem.js';
import type { BackupS3Copy } from '../catalogue/backup.manifest.js';
import { S3_KEY_PREFIX } from '../catalogue/backup.naming.js';

/**
 * Parts of 5 MiB (the S3 minimum), two in flight, each read from the file into one of two buffers
 * allocated once and reused: the upload holds 10 MiB whatever the backup size and leaves no
 * garbage buffers behind (a stream-fed multipart upload concatenates 64 KiB chunks into a new
 * part buffer each time, and those wait for a full GC: tens of MB of RSS).
 */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

export interface S3Object {
  key: string;
  sizeBytes: number;
  lastModified?: Date;
}

/**
 * Both ETag forms a server may answer, computed from the parts as they are read: the MD5 of the
 * whole object (single PUT, and some S3-compatible servers for multipart) and AWS's multipart
 * form (MD5 of the part MD5s, "-N").
 */
class PartEtags {
  private readonly whole: Hash = createHash('md5');
  private readonly partDigests: Buffer[] = [];

  /** Parts must be added in order. */
  add(part: Buffer): void {
    this.whole.update(part);
    this.partDigests.push(createHash('md5').update(part).digest());
  }

  etags(): string[] {
    const whole = this.whole.digest('hex');
    if (this.partDigests.length <= 1) return [whole];
    return [whole, `${createHash('md5').update(Buffer.concat(this.partDigests)).digest('hex')}-${this.partDigests.length}`];
  }
}

/** Fills `buffer` from `position` (a read may return less than asked); fails if the file ends early. */
async function readFully(handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<Buffer> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) throw new Error('The backup file shrank while it was being uploaded');
    filled += bytesRead;
  }
  return buffer.subarray(0, length);
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
    const etags = new PartEtags();
    const handle = await this.files.openForReading(path);
    try {
      if (sizeBytes <= PART_SIZE) {
        const body = await readFully(handle, Buffer.allocUnsafe(sizeBytes), sizeBytes, 0);
        etags.add(body);
        await this.client.send(
          new PutObjectCommand({ Bucket: this.settings.bucket, Key: key, Body: body, ContentLength: sizeBytes, Metadata: { sha256 } }),
        );
        onProgress?.(sizeBytes, sizeBytes);
      } else {
        await this.uploadParts(handle, key, sizeBytes, sha256, etags, onProgress);
      }
    } finally {
      await handle.close();
    }
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key }));
    if (head.ContentLength !== sizeBytes) {
      throw new Error(`S3 stored ${head.ContentLength ?? 'no'} bytes for ${key}, expected ${sizeBytes}`);
    }
    const remoteEtag = head.ETag?.replaceAll('"', '').toLowerCase();
    const checkedBy = remoteEtag !== undefined && etags.etags().includes(remoteEtag) ? 'md5' : 'size';
    if (checkedBy === 'size') this.logger.warn(`The ETag of ${key} is not an MD5 of its bytes (encrypted bucket?); checked its size only`);
    return { key, uploadedAt: new Date().toISOString(), sizeBytes, checkedBy };
  }

  /**
   * A multipart upload with QUEUE_SIZE workers, each owning one part buffer: a worker reads the
   * next part (reads are chained, so parts are hashed in order), sends it and only then reuses its
   * buffer. Any failure stops the workers and aborts the upload, so no parts are left behind.
   */
  private async uploadParts(
    handle: FileHandle,
    key: string,
    sizeBytes: number,
    sha256: string,
    etags: PartEtags,
    onProgress?: (loaded: number, total: number) => void,
  ): Promise<void> {
    const bucket = this.settings.bucket;
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, Metadata: { sha256 } }));
    if (!UploadId) throw new Error(`S3 started no multipart upload for ${key}`);
    const parts: CompletedPart[] = [];
    let nextPosition = 0;
    let loaded = 0;
    let failed = false;
    let reading: Promise<unknown> = Promise.resolve();
    const readNext = (buffer: Buffer): Promise<{ partNumber: number; body: Buffer } | undefined> => {
      const next = reading.then(async () => {
        if (failed || nextPosition >= sizeBytes) return undefined;
        const position = nextPosition;
        const length = Math.min(PART_SIZE, sizeBytes - position);
        nextPosition += length;
        const body = await readFully(handle, buffer, length, position);
        etags.add(body);
        return { partNumber: position / PART_SIZE + 1, body };
      });
      reading = next.catch(() => undefined);
      return next;
    };
    const worker = async (): Promise<void> => {
      const buffer = Buffer.allocUnsafe(PART_SIZE);
      try {
        for (let part = await readNext(buffer); part; part = await readNext(buffer)) {
          const { ETag } = await this.client.send(
            new UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId,
              PartNumber: part.partNumber,
              Body: part.body,
              ContentLength: part.body.length,
            }),
          );
          parts.push({ PartNumber: part.partNumber, ETag });
          loaded += part.body.length;
          onProgress?.(loaded, sizeBytes);
        }
      } catch (error) {
        failed = true;
        throw error;
      }
    };
    const results = await Promise.allSettled(Array.from({ length: QUEUE_SIZE }, worker));
    const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    try {
      if (rejected) throw rejected.reason;
      parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch((abortError: unknown) => {
        this.logger.warn(
          `Could not abort the multipart upload of ${key}: ${abortError instanceof Error ? abortError.message : String(abortError)}`,
        );
      });
      throw error;
    }
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

/** The store when S3 is configured, else null. */
export function createS3Store(config: BackupConfig, files: BackupFileSystem): S3BackupStore | null {
  return config.s3 ? new S3BackupStore(config.s3, files) : null;
}
