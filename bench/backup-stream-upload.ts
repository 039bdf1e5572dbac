import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';

/**
 * The baseline of backup.bench.ts with S3: `pg_dump -Fc | node backup-stream-upload.js <bucket> <key>`,
 * the `aws s3 cp - s3://…` way: stdin cut into 8 MiB parts (the AWS CLI's chunk size), up to 4 in
 * flight, no file on disk, no checksum, no manifest.
 */
const PART = 8 * 1024 * 1024;
const IN_FLIGHT = 4;
const [bucket, key] = process.argv.slice(2);
const client = new S3Client({
  region: process.env.AWS_REGION ?? 'us-east-1',
  endpoint: process.env.AWS_S3_ENDPOINT,
  forcePathStyle: true,
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
const parts: CompletedPart[] = [];
const pending = new Set<Promise<void>>();
const send = (body: Buffer, partNumber: number) => {
  const upload = client
    .send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }))
    .then(({ ETag }) => void parts.push({ PartNumber: partNumber, ETag }));
  pending.add(upload);
  void upload.finally(() => pending.delete(upload));
};
try {
  let chunks: Buffer[] = [];
  let size = 0;
  let partNumber = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size < PART) continue;
    send(Buffer.concat(chunks), ++partNumber);
    chunks = [];
    size = 0;
    if (pending.size >= IN_FLIGHT) await Promise.race(pending);
  }
  if (size > 0 || partNumber === 0) send(Buffer.concat(chunks), ++partNumber);
  await Promise.all(pending);
  parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
  await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
} catch (error) {
  await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
  throw error;
} finally {
  client.destroy();
}
