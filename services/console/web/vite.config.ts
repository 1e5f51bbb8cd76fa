// Builds the single-page app into ../dist/web, which the console service serves. Workspace
// packages resolve to their TypeScript sources (`ws-source`), as in the tests: the form
// validates with the very zod schemas of @cfund/contracts.
import { fileURLToPath } from 'node:url';
import { defineConfig, defaultClientConditions } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { conditions: ['ws-source', ...defaultClientConditions] },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // No inline script or style: the console's CSP allows only its own files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // dist/web/.vite/manifest.json: the console names a page's chunks to the browser from it (src/web.ts).
    manifest: true,
    // Prints each file's gzipped size: the initial JavaScript must stay under 250 KB gzipped.
    reportCompressedSize: true,
    rolldownOptions: {
      onwarn(warning, warn) {
        // react-intl's "use client" is for server components, which this app has none of.
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
