// Lint: the recommended rules of ESLint and typescript-eslint, with the compiler's strictness (tsconfig.json)
// doing the rest. Formatting is prettier's (npm run format).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/results/', 'bench/understanding/node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      eqeqeq: 'error',
    },
  },
  {
    // Tests poke at parsed YAML and JSON whose shape they assert.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { module: 'readonly', require: 'readonly', process: 'readonly' }, sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The desk page's script runs in the browser as it is written: a classic script, no modules, no build step.
    files: ['src/desk/views/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, module: 'off', require: 'off', process: 'off' } },
    rules: { strict: ['error', 'global'] },
  },
);
