// ESLint (flat config): TypeScript, the rules of hooks, and the direction of imports.
//
// The UI's layers, each importing only from the ones below it:
//   src/App.tsx, src/main.tsx        the app: router and providers
//   src/pages/                       route-level pages: compose features
//   src/features/analytics/          presets' record, importance, suggestions (uses the features below)
//   src/features/tasks/              tasks, runs, experiments  ─┐ a feature is used by others
//   src/features/presets/            presets, merge             │ only through its index.ts;
//   src/features/runtimes/           the engine catalog         │ tasks → presets → runtimes
//   src/features/auth/               sign-in, sharing, accounts ─┘ (auth is below tasks and presets)
//   src/components/, src/lib/        shared UI and pure helpers (no feature, no page)
//   src/api/, src/routes.ts          the one HTTP client, the schema's enums, the UI's paths
import js from '@eslint/js';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const feature = (name) => `./src/features/${name}`;
const onlyThroughIndex = (from) => ({ from, except: ['./index.ts'], message: 'Use this feature through its index.ts.' });

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'src/api/schema.d.ts'] },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  reactHooks.configs.flat['recommended-latest'],
  comments.recommended,
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.app.json' })],
    },
    rules: {
      // Every disable comment says why ("-- reason").
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: [] }],
      '@eslint-community/eslint-comments/no-unlimited-disable': 'error',
      'import-x/no-cycle': 'error',
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            // Shared code knows no feature and no page.
            ...['./src/api', './src/components', './src/lib', './src/routes.ts'].map((target) => ({
              target,
              from: ['./src/features', './src/pages', './src/App.tsx'],
              message: 'Shared code (api, components, lib, routes) must not depend on a feature or a page.',
            })),
            // Features know no page, and other features only through their index.
            { target: './src/features', from: ['./src/pages', './src/App.tsx'], message: 'A feature must not depend on a page.' },
            // The direction between features: analytics → tasks → presets → runtimes, never back.
            {
              target: [feature('tasks'), feature('presets'), feature('runtimes'), feature('auth'), feature('system')],
              from: feature('analytics'),
              message: 'analytics is above the other features: it may use them, not the reverse.',
            },
            ...['tasks', 'presets', 'runtimes', 'auth'].map((name) => ({ target: feature('analytics'), ...onlyThroughIndex(feature(name)) })),
            { target: feature('runtimes'), from: [feature('presets'), feature('tasks')], message: 'runtimes is below presets and tasks.' },
            { target: feature('presets'), from: feature('tasks'), message: 'presets is below tasks: tasks may use presets, not the reverse.' },
            { target: feature('auth'), from: [feature('presets'), feature('tasks'), feature('runtimes')], message: 'auth is below tasks, presets and runtimes.' },
            { target: feature('runtimes'), from: feature('auth'), message: 'runtimes does not need accounts.' },
            { target: feature('tasks'), ...onlyThroughIndex(feature('auth')) },
            { target: feature('presets'), ...onlyThroughIndex(feature('auth')) },
            { target: feature('tasks'), ...onlyThroughIndex(feature('presets')) },
            { target: feature('tasks'), ...onlyThroughIndex(feature('runtimes')) },
            { target: feature('presets'), ...onlyThroughIndex(feature('runtimes')) },
            // Pages use features through their index.
            ...['presets', 'tasks', 'runtimes', 'auth', 'analytics'].map((name) => ({ target: './src/pages', ...onlyThroughIndex(feature(name)) })),
          ],
        },
      ],
      // UI paths come from src/routes.ts; API paths from the schema's templates in api/ modules.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Literal[value=/^\\/(tasks|presets)(\\/|$)/]',
          message: "Use the paths of src/routes.ts instead of writing a UI path by hand.",
        },
        {
          selector: 'TemplateElement[value.raw=/^\\/(tasks|presets)(\\/|$)/]',
          message: "Use the paths of src/routes.ts instead of writing a UI path by hand.",
        },
      ],
    },
  },
  {
    // Only the API modules of features (and src/api) name endpoints.
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/api/**', 'src/features/*/api/**', 'src/**/*.test.{ts,tsx}', 'src/test/**', 'src/features/*/test/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'Literal[value=/^\\/(tasks|presets)(\\/|$)/]', message: 'Use the paths of src/routes.ts instead of writing a UI path by hand.' },
        { selector: 'TemplateElement[value.raw=/^\\/(tasks|presets)(\\/|$)/]', message: 'Use the paths of src/routes.ts instead of writing a UI path by hand.' },
        { selector: 'Literal[value=/^\\/api\\//]', message: 'Endpoints are named only in the api/ modules; call their functions.' },
        { selector: 'TemplateElement[value.raw=/^\\/api\\//]', message: 'Endpoints are named only in the api/ modules; call their functions.' },
      ],
    },
  },
  {
    // routes.ts is where UI paths live; tests may name paths and endpoints they expect.
    files: ['src/routes.ts', 'src/**/*.test.{ts,tsx}', 'src/test/**', 'src/features/*/test/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['e2e/**/*.mjs', 'eslint.config.js', 'vite.config.ts', '*.cjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
);
