import { childEnvironment } from './process.runner.js';

describe('childEnvironment', () => {
  it('passes what the PostgreSQL tools use and nothing secret of ours', () => {
    const env = childEnvironment(
      {
        PATH: '/usr/bin',
        PGSSLMODE: 'require',
        LC_ALL: 'C.UTF-8',
        JWT_SECRET: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
        DATABASE_URL: 'postgres://u:p@h/db',
      },
      { PGPASSWORD: 'p' },
    );
    expect(env).toEqual({ PATH: '/usr/bin', PGSSLMODE: 'require', LC_ALL: 'C.UTF-8', PGPASSWORD: 'p' });
  });
});
