// One lint config for the whole repository.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.nx/**', '.tools/**', '.bench/**', 'libs/k8s-lib/src/imports/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { require: 'readonly', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'prefer-const': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The CommonJS entry points that load the workspace's TypeScript (libs/k8s-lib/register.js and the Nx shims),
    // and the CommonJS configuration files at the root (.dependency-cruiser.cjs).
    files: ['tools/**/*.js', 'libs/k8s-lib/**/*.js', '*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', globalThis: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/*.spec.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
