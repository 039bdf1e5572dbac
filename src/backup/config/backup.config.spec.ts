import { ConfigError } from '../../common/config/env.util.js';
import { backupConfig } from './backup.config.js';

function load(env: Record<string, string>) {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('BACKUP_') || key.startsWith('AWS_')) delete process.env[key];
  Object.assign(process.env, env);
  try {
    return backupConfig();
  } finally {
    process.env = saved;
  }
}

describe('backupConfig', () => {
  it('has the documented defaults and no S3 without a bucket', () => {
    expect(load({})).toMatchObject({
      dir: 'backups',
      cron: '0 3 * * *',
      enabled: true,
      retentionDays: 7,
      keepLast: 7,
      verifyAfterBackup: true,
      s3: undefined,
    });
  });

  it('refuses an invalid cron expression, naming the variable', () => {
    expect(() => load({ BACKUP_CRON: 'every day' })).toThrow(/^BACKUP_CRON is not a valid cron expression/);
  });

  it('refuses a retention below 7 days unless forced', () => {
    expect(() => load({ BACKUP_RETENTION_DAYS: '3' })).toThrow(ConfigError);
    expect(() => load({ BACKUP_RETENTION_DAYS: '3' })).toThrow(/BACKUP_RETENTION_DAYS must be at least 7/);
    expect(load({ BACKUP_RETENTION_DAYS: '3', BACKUP_RETENTION_FORCE: 'true' }).retentionDays).toBe(3);
  });

  it('enables S3 with bucket and credentials, path-style with an endpoint', () => {
    const config = load({
      AWS_S3_BUCKET: 'b',
      AWS_ACCESS_KEY_ID: 'id',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_S3_ENDPOINT: 'http://127.0.0.1:9000',
    });
    expect(config.s3).toMatchObject({ bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000' });
  });

  it('refuses a half-configured bucket without echoing the secret', () => {
    expect(() => load({ AWS_S3_BUCKET: 'b', AWS_SECRET_ACCESS_KEY: 'very-secret' })).toThrow(/must be set together/);
    expect(() => load({ AWS_S3_BUCKET: 'b', AWS_SECRET_ACCESS_KEY: 'very-secret' })).not.toThrow(/very-secret/);
  });
});

describe('backupConfig: encryption at rest in S3', () => {
  const bucket = { AWS_S3_BUCKET: 'b', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' };

  it('asks for SSE-S3 or SSE-KMS with its key', () => {
    expect(load({ ...bucket, AWS_S3_SSE: 'AES256' }).s3).toMatchObject({ sse: 'AES256', kmsKeyId: undefined });
    expect(load({ ...bucket, AWS_S3_SSE: 'aws:kms', AWS_S3_KMS_KEY_ID: 'alias/backups' }).s3).toMatchObject({
      sse: 'aws:kms',
      kmsKeyId: 'alias/backups',
    });
    expect(load(bucket).s3).toMatchObject({ sse: undefined });
  });

  it('refuses another mode, and a KMS key without aws:kms, naming the variable', () => {
    expect(() => load({ ...bucket, AWS_S3_SSE: 'aes256' })).toThrow(/^AWS_S3_SSE must be AES256 or aws:kms, got "aes256"$/);
    expect(() => load({ ...bucket, AWS_S3_SSE: 'AES256', AWS_S3_KMS_KEY_ID: 'alias/backups' })).toThrow(
      /^AWS_S3_KMS_KEY_ID needs AWS_S3_SSE=aws:kms$/,
    );
  });
});
