import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { S3Settings } from '../src/backup/config/backup.config.js';
import { BackupFileSystem } from '../src/backup/storage/backup.filesystem.js';
import { S3BackupStore } from '../src/backup/storage/s3-backup.store.js';
import { startRecordingProxy, tempDir } from './support/backup-helpers.js';
import { startS3Server, type TestS3Server } from './support/s3-server.js';

const MIB = 1024 * 1024;
const DATABASE_ID = 'postgres-0123456789abcdef';

/** The upload's part boundaries (5 MiB parts read into reused buffers) and its encryption, against a real S3-compatible server. */
describe('S3BackupStore (s3rver on 127.0.0.1)', () => {
  let s3: TestS3Server;
  let dir: { path: string; remove(): Promise<void> };
  const settings = (endpoint: string, extra: Partial<S3Settings> = {}): S3Settings => ({
    bucket: s3.bucket,
    region: 'us-east-1',
    endpoint,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    retries: 0,
    retryDelayMs: 0,
    ...extra,
  });
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const file = async (name: string, size: number) => {
    const bytes = randomBytes(size);
    await writeFile(join(dir.path, name), bytes);
    return bytes;
  };

  beforeAll(async () => {
    s3 = await startS3Server();
    dir = await tempDir('mentorhub-s3-store-');
  });
  afterAll(async () => {
    await s3.stop();
    await dir.remove();
  });

  it.each([
    ['one byte', 1],
    ['exactly one part (single PUT)', 5 * MIB],
    ['one byte past a part', 5 * MIB + 1],
    ['three parts, the last one short', 12 * MIB + 3],
  ])("stores %s identically under the database's prefix and checks it by MD5", async (_label, size) => {
    const store = new S3BackupStore(settings(s3.endpoint), new BackupFileSystem(), DATABASE_ID);
    const name = `mentorhub_backup_20240101_0000${String(size % 60).padStart(2, '0')}.dump`;
    const bytes = await file(name, size);
    const progress: number[] = [];
    try {
      const copy = await store.upload(join(dir.path, name), name, sha256(bytes), (loaded, total) => {
        expect(total).toBe(size);
        progress.push(loaded);
      });
      expect(copy).toMatchObject({ key: `backups/${DATABASE_ID}/${name}`, sizeBytes: size, checkedBy: 'md5' });
      expect(progress.at(-1)).toBe(size);
      expect([...progress].sort((a, b) => a - b)).toEqual(progress);
      const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: copy.key }));
      const stored = Buffer.from(await (object.Body as Readable & { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      expect(sha256(stored)).toBe(sha256(bytes));
      const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: copy.key }));
      expect(head.Metadata).toEqual({ sha256: sha256(bytes) });
    } finally {
      store.destroy();
    }
  });

  it.each([
    ['AES256', { sse: 'AES256' as const }, { 'x-amz-server-side-encryption': 'AES256' }],
    [
      'aws:kms with a key',
      { sse: 'aws:kms' as const, kmsKeyId: 'alias/mentorhub-backups' },
      { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'alias/mentorhub-backups' },
    ],
  ])('asks for encryption at rest (%s) on every object it writes, single PUT and multipart', async (_label, encryption, headers) => {
    const proxy = await startRecordingProxy(s3.endpoint);
    const store = new S3BackupStore(settings(proxy.url, encryption), new BackupFileSystem(), DATABASE_ID);
    try {
      const small = await file('mentorhub_backup_20240102_000000.dump', 1000);
      const large = await file('mentorhub_backup_20240102_000001.dump', 11 * MIB);
      await store.upload(join(dir.path, 'mentorhub_backup_20240102_000000.dump'), 'mentorhub_backup_20240102_000000.dump', sha256(small));
      await store.upload(join(dir.path, 'mentorhub_backup_20240102_000001.dump'), 'mentorhub_backup_20240102_000001.dump', sha256(large));
      await store.putText(store.keyOf('journal.json'), '{}');

      const path = (url: string) => new URL(url, 'http://x');
      // Objects are written by PutObject and by creating a multipart upload; its parts inherit the encryption.
      const writes = proxy.requests.filter(
        (request) =>
          (request.method === 'PUT' && !path(request.url).searchParams.has('partNumber')) ||
          (request.method === 'POST' && path(request.url).searchParams.has('uploads')),
      );
      expect(writes.map((request) => `${request.method} ${path(request.url).pathname}`)).toEqual([
        `PUT /${s3.bucket}/backups/${DATABASE_ID}/mentorhub_backup_20240102_000000.dump`,
        `POST /${s3.bucket}/backups/${DATABASE_ID}/mentorhub_backup_20240102_000001.dump`,
        `PUT /${s3.bucket}/backups/${DATABASE_ID}/journal.json`,
      ]);
      for (const request of writes) expect(request.headers).toMatchObject(headers);
      if (!('kmsKeyId' in encryption))
        for (const request of writes) expect(request.headers).not.toHaveProperty('x-amz-server-side-encryption-aws-kms-key-id');
      expect(proxy.requests.filter((request) => path(request.url).searchParams.has('partNumber'))).toHaveLength(3);
    } finally {
      store.destroy();
      await proxy.close();
    }
  });
});
