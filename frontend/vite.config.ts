/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Mantine's ScrollArea (under Table, so on most pages' first load) imports only `useMergeRefs` from
 * `@floating-ui/react`; that import alone pulled the whole of Floating UI into the first load. It
 * gets `src/lib/mergeRefs.ts` instead (the same hook on Mantine's `useMergedRef`); Tooltip, Popover
 * and Select keep the real Floating UI and load it when first needed (src/components/lazyFloating.tsx).
 * Should ScrollArea import anything else from it, the build fails on the missing export.
 */
function scrollAreaWithoutFloatingUi(): Plugin {
  const shim = fileURLToPath(new URL('./src/lib/mergeRefs.ts', import.meta.url));
  return {
    name: 'scroll-area-without-floating-ui',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === '@floating-ui/react' && importer && /@mantine[\\/]core[\\/]esm[\\/]components[\\/]ScrollArea[\\/]ScrollArea\.mjs$/.test(importer)) return shim;
      return null;
    },
  };
}

export default defineConfig({
  plugins: [react(), scrollAreaWithoutFloatingUi()],
  server: {
    port: 5173,
    proxy: {
      '/api': { target: 'http://localhost:8000', changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    rolldownOptions: {
      output: {
        // Libraries in chunks of their own, cached across releases and none over Vite's 500 kB
        // warning; each page is its own chunk through the router's lazy routes (src/lazyPage.tsx).
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router|react-router-dom)[\\/]/, priority: 30 },
          ],
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    testTimeout: 20000,
  },
});
