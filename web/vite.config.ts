import { fileURLToPath } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * The operator console. Built into web/dist and served by the API under /console; in development
 * the dev server forwards /v1 to a local API. `@api` and `@domain` reach the server's own zod views
 * and pure domain modules, so the client parses answers with the schemas the server answers with.
 */
export default defineConfig({
  root: here('.'),
  base: '/console/',
  plugins: [react()],
  resolve: {
    alias: { '@api': here('../src/api'), '@domain': here('../src/domain') },
  },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    rollupOptions: {
      // Libraries in chunks of their own: cached across console releases, and no one chunk past Vite's 500 kB.
      output: { manualChunks: { react: ['react', 'react-dom', 'react-router'], zod: ['zod'], charts: ['uplot'] } },
      onwarn(warning, warn) {
        // zod's sources carry comments Rollup cannot place; they are dropped harmlessly, so not news.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:3000' } },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
});
