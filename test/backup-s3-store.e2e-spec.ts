import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BackupFileSystem } from '../src/backup/storage/backup.filesystem.js';
import { S3BackupStore } from '../src/backup/storage/s3-backup.store.js';
import { tempDir } from './support/backup-helpers.js';
import { startS3Server, type TestS3Server } from './support/s3-server.js';

const MIB = 1024 * 1024;

/** The upload's part boundaries (5 MiB parts read into reused buffers) against a real S3-compatible server. */
describe('S3BackupStore.upload (s3rver on 127.0.0.1)', () => {
  let s3: TestS3Server;
  let dir: { path: string; remove(): Promise<void> };
  let store: S3BackupStore;

  beforeAll(async () => {
    s3 = await startS3Server();
    dir = await tempDir('mentorhub-s3-store-');
    store = new S3BackupStore(
      {
        bucket: s3.bucket,
        region: 'us-east-1',
        endpoint: s3.endpoint,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        retries: 0,
        retryDelayMs: 0,
      },
      new BackupFileSystem(),
    );
  });
  afterAll(async () => {
    store.destroy();
    await s3.stop();
    await dir.remove();
  });

  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it.each([
    ['one byte', 1],
    ['exactly one part (single PUT)', 5 * MIB],
    ['one byte past a part', 5 * MIB + 1],
    ['three parts, the last one short', 12 * MIB + 3],
  ])('stores %s identically and checks it by MD5', async (_label, size) => {
    const bytes = randomBytes(size);
    const file = `mentorhub_backup_20240101_0000${String(size % 60).padStart(2, '0')}.dump`;
    const path = join(dir.path, file);
    await writeFile(path, bytes);
    const progress: number[] = [];

    const copy = await store.upload(path, file, sha256(bytes), (loaded, total) => {
      expect(total).toBe(size);
      progress.push(loaded);
    });

    expect(copy).toMatchObject({ key: `backups/${file}`, sizeBytes: size, checkedBy: 'md5' });
    expect(progress.at(-1)).toBe(size);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: copy.key }));
    const stored = Buffer.from(await (object.Body as Readable & { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    expect(sha256(stored)).toBe(sha256(bytes));
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: copy.key }));
    expect(head.Metadata).toEqual({ sha256: sha256(bytes) });
  });
});
