// npm run lint: typescript-eslint's recommended rules (syntax only, no type information: fast on
// every file) over the JavaScript and TypeScript of the repository. Layout is prettier's
// (npm run format), not a lint rule.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/generated/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a parameter or binding kept on purpose; `{ a, ...rest }` drops `a` from rest.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'none',
          ignoreRestSiblings: true,
        },
      ],
      // `declare global { namespace GraphileWorker { interface Tasks ... } }` is how Graphile
      // Worker's task payloads are typed (module augmentation).
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  {
    // Node scripts written as plain ES modules.
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // Structural types that accept pg's own (any[] rows and values), and tests and the demo that
    // read untyped rows.
    files: ['src/client/queryable.ts', 'src/client/runtime.ts', 'src/client/wait.ts', 'scripts/demo.ts', 'test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // A finding left to the branch that owns src/worker/ (`let calls` is assigned once).
    files: ['src/worker/index.ts'],
    rules: { 'prefer-const': 'off' },
  },
);
