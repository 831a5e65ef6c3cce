// One lint config for the whole repository.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The names of the package kinds, as an esquery regular expression. */
const KIND_NAMES = '/^(web-service|frontend|store|cluster)$/';

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
  {
    // A package kind is one module in the registry (libs/k8s-lib/src/kinds): code outside it asks the
    // kind, it never branches on the kind's name.
    files: ['**/*.ts'],
    ignores: ['libs/k8s-lib/src/kinds/**', '**/*.test.ts', '**/*.spec.ts', '**/test/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: `BinaryExpression[operator=/^[!=]==?$/]:has(Literal[value=${KIND_NAMES}])`,
          message: "Ask the package's kind (libs/k8s-lib/src/kinds/registry.ts) instead of comparing with a kind's name.",
        },
        {
          selector: `SwitchCase > Literal[value=${KIND_NAMES}]`,
          message: "Ask the package's kind (libs/k8s-lib/src/kinds/registry.ts) instead of switching on a kind's name.",
        },
      ],
    },
  },
);
