import { PasswordHasher } from './password.hasher.js';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('correct horse');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(stored).not.toContain('correct horse');
    await expect(hasher.verify('correct horse', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horsf', stored)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hasher.hash('same')).not.toBe(await hasher.hash('same'));
  });

  it('refuses malformed stored values', async () => {
    await expect(hasher.verify('x', 'plain-text')).resolves.toBe(false);
  });
});
