import { checkPgDumpVersion, versionIn } from './pg-version.js';

describe('checkPgDumpVersion', () => {
  it('reads the versions pg_dump and the server report', () => {
    expect(versionIn('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)')).toEqual({ version: '15.20', major: 15 });
    expect(versionIn('18.1 (Ubuntu 18.1-1.pgdg24.04+1)')).toEqual({ version: '18.1', major: 18 });
    expect(versionIn('19beta1')).toEqual({ version: '19', major: 19 });
  });

  it('refuses a server newer than pg_dump, naming both versions', () => {
    expect(() => checkPgDumpVersion('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)', '17.2 (Debian 17.2-1.pgdg120+1)')).toThrow(
      'pg_dump 15.20 cannot back up PostgreSQL server 17.2: the client tools must be of major version 17 or newer',
    );
  });

  it('accepts the same major and older servers', () => {
    expect(() => checkPgDumpVersion('pg_dump (PostgreSQL) 17.2', '17.0')).not.toThrow();
    expect(() => checkPgDumpVersion('pg_dump (PostgreSQL) 18.1', '13.16')).not.toThrow();
  });
});
