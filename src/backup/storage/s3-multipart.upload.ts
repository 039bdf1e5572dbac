import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { errorMessage } from '../backup.errors.js';

/**
 * Parts of 5 MiB (the S3 minimum), two in flight, each read from the file into one of two buffers
 * allocated once and reused: the upload holds 10 MiB whatever the backup size and leaves no
 * garbage buffers behind (a stream-fed multipart upload concatenates 64 KiB chunks into a new
 * part buffer each time, and those wait for a full GC: tens of MB of RSS).
 */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

export type UploadProgress = (loaded: number, total: number) => void;

/** Server-side encryption asked of S3 for every object written (`AWS_S3_SSE`). */
export interface EncryptionParams {
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
}

export interface UploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
  metadata: Record<string, string>;
  encryption: EncryptionParams;
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

/**
 * Uploads a file in one PutObject (up to one part) or as a multipart upload; returns the ETags the
 * server may answer for these bytes. Encryption goes with the PutObject or with the creation of the
 * multipart upload, which S3 applies to every part.
 */
export class FileUpload {
  private readonly logger = new Logger(FileUpload.name);

  async send(target: UploadTarget, handle: FileHandle, sizeBytes: number, onProgress?: UploadProgress): Promise<string[]> {
    const etags = new PartEtags();
    if (sizeBytes <= PART_SIZE) {
      const body = await readFully(handle, Buffer.allocUnsafe(sizeBytes), sizeBytes, 0);
      etags.add(body);
      await target.client.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: target.key,
          Body: body,
          ContentLength: sizeBytes,
          Metadata: target.metadata,
          ...target.encryption,
        }),
      );
      onProgress?.(sizeBytes, sizeBytes);
    } else {
      await this.uploadParts(target, handle, sizeBytes, etags, onProgress);
    }
    return etags.etags();
  }

  /**
   * A multipart upload with QUEUE_SIZE workers, each owning one part buffer: a worker reads the
   * next part (reads are chained, so parts are hashed in order), sends it and only then reuses its
   * buffer. Any failure stops the workers and aborts the upload, so no parts are left behind.
   */
  private async uploadParts(
    target: UploadTarget,
    handle: FileHandle,
    sizeBytes: number,
    etags: PartEtags,
    onProgress?: UploadProgress,
  ): Promise<void> {
    const { client, bucket, key } = target;
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, Metadata: target.metadata, ...target.encryption }),
    );
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
          const { ETag } = await client.send(
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
      await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch((abortError: unknown) => {
        this.logger.warn(`Could not abort the multipart upload of ${key}: ${errorMessage(abortError)}`);
      });
      throw error;
    }
  }
}
