import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// Built into dist/console, which the API process serves at `/` (same origin, no CDN).
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    // No inline scripts or eval anywhere: the console's CSP forbids both.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { '/api': 'http://localhost:3000', '/console': 'http://localhost:3000', '/v1': 'http://localhost:3000', '/metrics': 'http://localhost:3000', '/docs': 'http://localhost:3000' } },
});
