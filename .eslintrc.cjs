/* eslint-env node */
module.exports = {
  root: true,
  parser: '@typescript-eslint/parser',
  parserOptions: { ecmaVersion: 2022, sourceType: 'module' },
  plugins: ['@typescript-eslint'],
  // prettier last: formatting is prettier's (npm run lint checks it), not eslint's.
  extends: ['eslint:recommended', 'plugin:@typescript-eslint/recommended', 'prettier'],
  env: { node: true, es2022: true },
  ignorePatterns: ['dist/', 'node_modules/', 'bin/'],
  rules: {
    // Prettier wraps code at 140; what it cannot wrap (strings, comments) stays within this too.
    'max-len': ['error', { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    '@typescript-eslint/consistent-type-imports': 'error',
    'no-restricted-syntax': [
      'error',
      {
        selector: "MemberExpression[object.name='process'][property.name='exit']",
        message: 'Only src/cli/run-cli.ts decides how the process exits.',
      },
    ],
  },
  overrides: [
    { files: ['src/cli/run-cli.ts', 'test/**', 'scripts/**'], rules: { 'no-restricted-syntax': 'off' } },
    // The dashboard's script (bundled for the browser).
    { files: ['src/web/browser/**'], env: { browser: true, node: false } },
  ],
};
