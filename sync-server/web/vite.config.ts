import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { mongolianFont } from './mongolian-font'

// Two pages, one build: the township console (index.html → dist/index.html, served at `/`) and
// the phone pages for applicants and the public (m/index.html → dist/m/index.html, served at
// `/m/`). Assets go to dist/assets and are shared. The server serves the API under `/api`.
// For `npm run dev`, point JIUZHU_SERVER at a running `jiuzhu-server serve` (self-signed
// certificate, hence secure: false); the phone pages are then at /m/.
export default defineConfig({
  plugins: [vue(), mongolianFont()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: {
        console: fileURLToPath(new URL('./index.html', import.meta.url)),
        mobile: fileURLToPath(new URL('./m/index.html', import.meta.url)),
      },
    },
  },
  server: {
    // The controlled vocabulary is imported from shared/vocab, outside this directory.
    fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] },
    proxy: {
      '/api': { target: process.env.JIUZHU_SERVER || 'https://127.0.0.1:8443', secure: false, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
    // Mounting the larger forms under jsdom takes seconds on a loaded 2-core machine (builds
    // beside the suite); 5 s timed out there with nothing wrong.
    testTimeout: 20_000,
  },
})
