import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'bench/results/**', '.bench-dist/**', 'eslint.config.js', 'jest.config.js'] },
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
  {
    // The backup module lifts into another Nest app: it takes the database, Redis and metrics from
    // its host as options and imports nothing of the app's auth, domain, dashboard or error reporting.
    files: ['src/backup/**/*.ts', 'src/common/postgres/**/*.ts'],
    rules: {
      complexity: ['error', 15],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/auth/**',
                '**/users/**',
                '**/mentors/**',
                '**/courses/**',
                '**/reviews/**',
                '**/demo-data/**',
                '**/admin-dashboard/**',
                '**/sentry/**',
                '**/database/database.module*',
                '**/database/entities*',
              ],
              message: 'The backup module imports nothing of the app: take it as a BackupModule option.',
            },
          ],
        },
      ],
    },
  },
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
