import { parsePgUrl, pgToolInvocation } from './pg-connection.js';

describe('pgToolInvocation', () => {
  it('passes the password only through the child environment, never in argv', () => {
    const connection = parsePgUrl('postgres://app%40user:s3cr%3At@db.internal:6543/mentorhub?sslmode=require');
    expect(connection).toMatchObject({ host: 'db.internal', port: 6543, user: 'app@user', password: 's3cr:t', database: 'mentorhub' });
    const { args, env } = pgToolInvocation(connection);
    expect(args.join(' ')).not.toContain('s3cr');
    expect(args).toEqual(['--host', 'db.internal', '--port', '6543', '--no-password', '--dbname', 'mentorhub', '--username', 'app@user']);
    expect(env).toEqual({ PGPASSWORD: 's3cr:t', PGSSLMODE: 'require' });
  });

  it('targets another database on the same server (scratch databases)', () => {
    const { args, env } = pgToolInvocation(parsePgUrl('postgres://postgres@127.0.0.1/mentorhub'), 'mentorhub_verify_x');
    expect(args).toContain('mentorhub_verify_x');
    expect(args).toContain('5432');
    expect(env).toEqual({});
  });
});

describe('parsePgUrl', () => {
  it('gives pg the TLS settings of sslmode, as the app pool gets them', () => {
    expect(parsePgUrl('postgres://u@db.internal/mentorhub?sslmode=verify-full').client).toMatchObject({ host: 'db.internal', ssl: {} });
    expect(parsePgUrl('postgres://u@db.internal/mentorhub?sslmode=disable').client.ssl).toBe(false);
    expect(parsePgUrl('postgres://u@db.internal/mentorhub').client.ssl).toBeUndefined();
  });
});
