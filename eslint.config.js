import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/*
 * Import rules of the folders that must lift into another Nest app: each names the top-level
 * entries of src/ it may not import. Imports are relative, so the pattern counts the `../` that
 * lead from a file at each depth of the folder back to src/.
 */
const DOMAIN = ['users', 'mentors', 'courses', 'reviews', 'entities'];
const HOST = ['auth', 'admin-dashboard', 'sentry', 'demo-data', 'config', 'logging', 'main', 'app\\.module', 'app\\.setup'];
const OPERATIONS = ['metrics', 'cache', 'backup', 'health'];

function importRules(folder, forbidden, message) {
  return [1, 2, 3, 4].map((depth) => ({
    files: [`src/${folder}/${'*/'.repeat(depth - 1)}*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: `^(\\.\\./){${depth}}(${forbidden.join('|')})(/|\\.js$)`, message }] }],
    },
  }));
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'coverage/**',
      'node_modules/**',
      'bench/results/**',
      '.bench-dist/**',
      'eslint.config.js',
      'jest.config.js',
      'stryker.config.mjs',
      'reports/**',
      '.stryker-tmp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        emitDecoratorMetadata: true,
        experimentalDecorators: true,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly' } },
  },
  {
    // The dashboard page's own script runs in the browser, not in Node.
    files: ['src/admin-dashboard/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        ['AbortController', 'clearTimeout', 'document', 'fetch', 'sessionStorage', 'setTimeout', 'TextDecoderStream', 'window'].map(
          (name) => [name, 'readonly'],
        ),
      ),
    },
  },
  { files: ['src/**/*.{ts,js}'], rules: { complexity: ['error', 15] } },
  ...importRules(
    'metrics',
    [...DOMAIN, ...HOST, 'database', 'cache', 'backup', 'health'],
    'metrics imports neither the app, the domain nor the other modules: they build on it',
  ),
  ...importRules(
    'cache',
    [...DOMAIN, ...HOST, 'database', 'backup'],
    'cache imports neither the app, the domain, the database nor backups',
  ),
  ...importRules(
    'health',
    [...DOMAIN, ...HOST, 'database', 'cache', 'backup'],
    'health imports neither the app, the domain, the database, cache nor backups: they contribute checks with @ContributesToHealth()',
  ),
  ...importRules('backup', [...DOMAIN, ...HOST], 'backup imports neither the app nor the domain'),
  ...importRules(
    'database',
    [...DOMAIN, ...HOST, ...OPERATIONS],
    'database imports neither the app, the domain (the app hands in its entities) nor the operations modules',
  ),
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
