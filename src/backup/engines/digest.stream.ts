import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { FileDigest } from '../storage/backup.filesystem.js';

const HEAD_BYTES = 16;

/**
 * Passes bytes through while hashing and counting them, so a backup is written and
 * checksummed in one pass (no second read of a large file).
 */
export class DigestStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private headBuffer = Buffer.alloc(0);

  constructor(private readonly onProgress?: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.headBuffer.length < HEAD_BYTES) {
      this.headBuffer = Buffer.concat([this.headBuffer, chunk.subarray(0, HEAD_BYTES - this.headBuffer.length)]);
    }
    this.onProgress?.(this.bytes);
    callback(null, chunk);
  }

  /** The first bytes, to check a format's magic number. */
  get head(): Buffer {
    return this.headBuffer;
  }

  digest(): FileDigest {
    return { sha256: this.hash.digest('hex'), sizeBytes: this.bytes };
  }
}
