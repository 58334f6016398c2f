// Lint: TypeScript rules plus the architecture of DESIGN.md, enforced:
//  - common/ imports only common/: no package, no node: (core, electron and
//    the renderer all run it);
//  - core/ imports nothing from electron/, renderer/ or cli/, and never 'electron';
//  - cli/ imports common/ and a few core entry points (tools/check-imports.ts lists them);
//  - renderer/ imports nothing from core/ (what they share is in common/);
//  - electron/ imports core only through its public surface;
//  - no import cycles anywhere: tools/check-imports.ts (run by `npm run lint`),
//    which also re-checks these rules on resolved file paths.
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'renderer/dist/**', 'test-artifacts/**'] },
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['**/*.ts'],
    rules: {
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Type-aware rules where a dropped promise means a lost error or a lost
    // message: the relay, its CLI, the desktop shell and the shared code.
    files: ['core/**/*.ts', 'cli/**/*.ts', 'electron/**/*.ts', 'electron/**/*.cts', 'common/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!\\./)', message: 'common/ imports only common/ (./…): no packages, no node:, no core/ (DESIGN.md).' }] }],
      // The type check cannot catch these (@types/node reaches every project through vite's types).
      'no-restricted-globals': ['error', ...['process', 'Buffer', 'require', 'global', '__dirname', '__filename', 'setImmediate'].map((name) => ({ name, message: 'common/ runs in the renderer too: no Node globals.' }))],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: "core/ is plain Node: 'electron' only under electron/." }],
          patterns: [
            { group: ['**/electron/**', '**/renderer/**', '**/cli/**'], message: 'core/ must not import electron/, renderer/ or cli/ (DESIGN.md).' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: "'electron' only under electron/." }],
          patterns: [
            { group: ['**/core/**'], message: 'renderer/ imports nothing from core/: the contract and shared code are in common/ (DESIGN.md).' },
            { regex: '^node:', message: 'renderer/ runs in a browser: no Node built-ins.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/core/*', '!**/core/relay', '!**/core/relay.js', '!**/core/control', '!**/core/local-relay.js'],
              message: 'electron/ uses core only through the relay handle, the control contract and core/local-relay (the data dir\'s running relay, as the CLI finds it).',
            },
            { group: ['**/renderer/**'], message: 'electron/ loads the built renderer as files, never imports it.' },
          ],
        },
      ],
    },
  },
);
