import { ConfigError } from '../common/config/env.util.js';
import { parseDatabaseUrl } from './database.config.js';

describe('parseDatabaseUrl', () => {
  it('reads a relative or absolute sqlite path', () => {
    expect(parseDatabaseUrl('sqlite:data/x.sqlite')).toEqual({ engine: 'sqlite', path: 'data/x.sqlite' });
    expect(parseDatabaseUrl('sqlite:///tmp/x.sqlite')).toEqual({ engine: 'sqlite', path: '/tmp/x.sqlite' });
  });

  it('reads a postgres URL and its database name', () => {
    expect(parseDatabaseUrl('postgres://u:p@127.0.0.1:5432/mentorhub')).toMatchObject({
      engine: 'postgres',
      database: 'mentorhub',
    });
    expect(parseDatabaseUrl('postgresql://localhost/db')).toMatchObject({ engine: 'postgres', database: 'db' });
  });

  it('refuses other engines and incomplete URLs with a message naming DATABASE_URL', () => {
    expect(() => parseDatabaseUrl('mysql://root@localhost/x')).toThrow(ConfigError);
    expect(() => parseDatabaseUrl('mysql://root@localhost/x')).toThrow(/^DATABASE_URL must start with sqlite: or postgres:\/\//);
    expect(() => parseDatabaseUrl('postgres://localhost')).toThrow(/DATABASE_URL must name a host and a database/);
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(/DATABASE_URL/);
    expect(() => parseDatabaseUrl('sqlite://data/x.sqlite')).toThrow(/sqlite:\/\/\/<absolute path>/);
    expect(() => parseDatabaseUrl('sqlite::memory:')).toThrow(/in-memory/);
  });

  it('never echoes the password of a refused URL', () => {
    expect(() => parseDatabaseUrl('mysql://root:s3cret@localhost/x')).not.toThrow(/s3cret/);
  });
});
