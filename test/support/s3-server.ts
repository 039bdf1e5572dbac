import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { tempDir } from './backup-helpers.js';

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** The environment that points the app at this server. */
  env: Record<string, string>;
  client: S3Client;
  /** Stops the server at once, dropping open connections (an outage, not a graceful stop). */
  stop(): Promise<void>;
}

/** A local S3-compatible server (s3rver) on 127.0.0.1 with a random port and one bucket. */
export async function startS3Server(): Promise<TestS3Server> {
  const dir = await tempDir('mentorhub-s3-');
  const bucket = 'mentorhub-backups-test';
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir.path, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
  let stopped = false;
  return {
    endpoint,
    bucket,
    client,
    env: {
      AWS_S3_BUCKET: bucket,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_S3_ENDPOINT: endpoint,
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      client.destroy();
      const closed = server.close();
      server.httpServer?.closeAllConnections();
      await closed;
      await dir.remove();
    },
  };
}
