import js from '@eslint/js';
import importPlugin from 'eslint-plugin-import';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.stack/',
      'coverage/',
      'eslint.config.mjs',
      'jest.config.js',
      'test/support/*.js',
      '.dependency-cruiser.cjs',
      'web/dist/',
      'web/.dependency-cruiser.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-cycle': 'error',
      // Activities and handlers are async by contract even when their body needs no await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The workflow sandbox: deterministic code only. Activities arrive as types, everything else
    // through @temporalio/workflow or pure domain modules.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!(@temporalio/(workflow|common)|\\.\\./domain/.+|\\./.+)$)',
              message: 'Workflow code may import only @temporalio/workflow, @temporalio/common and src/domain.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // A workflow made of several modules (src/workflows/<name>/): the same sandbox, one folder down, so
    // it may also import the workflow modules beside its folder.
    files: ['src/workflows/*/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(?!(@temporalio/(workflow|common)|\\.\\./\\.\\./domain/.+|\\./.+|\\.\\./(alerts|options|sync-compensation))$)',
              message: 'Workflow code may import only @temporalio/workflow, @temporalio/common and src/domain.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
