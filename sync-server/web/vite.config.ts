import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// The server serves dist/ at `/` and the API at `/api/console`. For `npm run dev`, point
// JIUZHU_SERVER at a running `jiuzhu-server serve` (self-signed certificate, hence secure: false).
export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/api': { target: process.env.JIUZHU_SERVER || 'https://127.0.0.1:8443', secure: false, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
  },
})
