import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'

// Tauri serves the built files from tauri://localhost; relative asset paths keep them loadable.
export default defineConfig({
  base: './',
  plugins: [vue()],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    // The controlled vocabulary is imported from shared/vocab, outside this directory.
    fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] },
  },
  build: { target: 'safari15', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  test: { environment: 'jsdom', include: ['tests/**/*.test.ts'] },
})
