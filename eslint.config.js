import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'src/generated',
      'coverage',
      'reports',
      'packages/*/dist',
      'packages/*/examples/generated',
      'test/consumer/project',
      'test/consumer/cjs',
      'test/consumer/nest',
      'test/consumer/connect',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-non-null-assertion': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.object.name=/^(describe|it|test)$/][callee.property.name="only"]',
          message: 'no .only in committed tests',
        },
      ],
    },
  },
  {
    // The service, its tests, benches and scripts use the packages as any user would: through
    // their public entry points, never a file inside them.
    files: ['src/**', 'test/**', 'harness/**', 'bench/**', 'scripts/**', '*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/packages/*/src/**', '**/packages/*/dist/**'], message: 'import the package by its name (@pos-masterdata/…)' },
            {
              group: [
                '@pos-masterdata/*/*',
                '!@pos-masterdata/resilient-prisma/prometheus',
                '!@pos-masterdata/*/opentelemetry',
                '!@pos-masterdata/grpc-chain/connect',
              ],
              message: 'only the public entry points',
            },
          ],
        },
      ],
    },
  },
  {
    // NestJS's modules are classes (empty, or with static factories such as `forRoot`): its DI keys modules by class.
    files: ['packages/nestjs/src/*Module.ts', 'packages/nestjs/examples/*.ts'],
    rules: { '@typescript-eslint/no-extraneous-class': 'off' },
  },
  { files: ['eslint.config.js'], extends: [tseslint.configs.disableTypeChecked] },
);
