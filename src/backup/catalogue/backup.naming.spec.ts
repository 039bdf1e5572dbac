import { BackupError } from '../backup.errors.js';
import { backupFileName, backupStem, formatOfFile, parseBackupReference, stemOfFile, timeOfStem } from './backup.naming.js';

describe('backup naming', () => {
  it('names a backup after its UTC start time, with an extension per format', () => {
    const stem = backupStem(new Date('2024-01-15T03:04:05.678Z'));
    expect(stem).toBe('mentorhub_backup_20240115_030405');
    expect(backupFileName(stem, 'pg-custom')).toBe('mentorhub_backup_20240115_030405.dump');
    expect(backupFileName(stem, 'sqlite-gzip')).toBe('mentorhub_backup_20240115_030405.sqlite.gz');
    expect(timeOfStem(stem).toISOString()).toBe('2024-01-15T03:04:05.000Z');
  });

  it('recognises only our files', () => {
    expect(stemOfFile('mentorhub_backup_20240115_030405.dump')).toBe('mentorhub_backup_20240115_030405');
    expect(stemOfFile('mentorhub_backup_20240115_030405.json')).toBe('mentorhub_backup_20240115_030405');
    expect(formatOfFile('mentorhub_backup_20240115_030405.json')).toBeUndefined();
    expect(formatOfFile('mentorhub_backup_20240115_030405.sql')).toBe('pg-plain');
    for (const foreign of [
      'notes.txt',
      'mentorhub_backup_20240115_030405.dump.bak',
      '.mentorhub_backup_20240115_030405.dump.ab12.partial',
      'x_mentorhub_backup_20240115_030405.dump',
    ]) {
      expect(stemOfFile(foreign)).toBeUndefined();
    }
  });

  it('accepts a name with or without extension or S3 prefix', () => {
    for (const input of [
      'mentorhub_backup_20240115_030405',
      'mentorhub_backup_20240115_030405.sqlite.gz',
      'backups/mentorhub_backup_20240115_030405.dump',
    ]) {
      expect(parseBackupReference(input)).toBe('mentorhub_backup_20240115_030405');
    }
  });

  it.each([
    '../mentorhub_backup_20240115_030405',
    'mentorhub_backup_20240115_030405/..',
    '/etc/passwd',
    'backups/../x',
    'a/mentorhub_backup_20240115_030405.dump',
    'mentorhub_backup_20241315_030405',
    'mentorhub_backup_20240115_030405.exe',
    '',
    '..',
  ])('refuses %j', (input) => {
    expect(() => parseBackupReference(input)).toThrow(BackupError);
  });
});
