import { belongsTo, databaseIdentity } from './database-identity.js';

describe('databaseIdentity', () => {
  it('tells PostgreSQL databases apart by host, port and name, never by credentials', () => {
    const base = databaseIdentity({ engine: 'postgres', url: 'postgres://app:secret@db.internal:5432/mentorhub' });
    expect(base).toMatchObject({ engine: 'postgres', id: expect.stringMatching(/^postgres-[0-9a-f]{16}$/), name: 'mentorhub' });
    expect(databaseIdentity({ engine: 'postgres', url: 'postgres://other:changed@DB.internal/mentorhub?sslmode=require' }).id).toBe(
      base.id,
    );
    for (const url of [
      'postgres://app:secret@db.internal:5433/mentorhub',
      'postgres://app:secret@db2.internal:5432/mentorhub',
      'postgres://app:secret@db.internal:5432/mentorhub_staging',
    ]) {
      expect(databaseIdentity({ engine: 'postgres', url }).id).not.toBe(base.id);
    }
    expect(base.id).not.toContain('secret');
  });

  it('tells SQLite files apart by absolute path', () => {
    const a = databaseIdentity({ engine: 'sqlite', path: '/srv/a/mentorhub.sqlite' });
    expect(a).toMatchObject({ engine: 'sqlite', name: 'mentorhub.sqlite', id: expect.stringMatching(/^sqlite-[0-9a-f]{16}$/) });
    expect(databaseIdentity({ engine: 'sqlite', path: '/srv/b/mentorhub.sqlite' }).id).not.toBe(a.id);
  });

  it('matches manifests by id, and older manifests without one by engine and name', () => {
    const identity = databaseIdentity({ engine: 'postgres', url: 'postgres://u@h/mentorhub' });
    expect(belongsTo({ engine: 'postgres', database: 'mentorhub', databaseId: identity.id }, identity)).toBe(true);
    expect(belongsTo({ engine: 'postgres', database: 'mentorhub', databaseId: 'postgres-0000000000000000' }, identity)).toBe(false);
    expect(belongsTo({ engine: 'postgres', database: 'mentorhub' }, identity)).toBe(true);
    expect(belongsTo({ engine: 'postgres', database: 'other' }, identity)).toBe(false);
    expect(belongsTo({ engine: 'sqlite', database: 'mentorhub' }, identity)).toBe(false);
  });
});
