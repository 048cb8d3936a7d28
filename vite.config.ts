/**
 * Vite builds the designer (index.html -> client/main.tsx) into dist/. Run on its own (`npx vite`),
 * it proxies /api and /ws to the Weft server at WEFT_API_URL (default http://127.0.0.1:4317).
 * Embedded in the Weft server as middleware it adds no proxy: the server answers those itself.
 */
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const apiTarget = process.env.WEFT_API_URL ?? 'http://127.0.0.1:4317';

/** Proxies the API only when Vite serves on its own port, and keeps the server's Origin check happy. */
function weftApiProxy(): Plugin {
  return {
    name: 'weft-api-proxy',
    config(config) {
      if (config.server?.middlewareMode) return;
      const origin = new URL(apiTarget).origin;
      const rewriteOrigin = (proxy: { on(event: string, listener: (request: { setHeader(name: string, value: string): void; getHeader(name: string): unknown }) => void): void }) => {
        const fix = (request: { setHeader(name: string, value: string): void; getHeader(name: string): unknown }) => {
          if (request.getHeader('origin')) request.setHeader('origin', origin);
        };
        proxy.on('proxyReq', fix);
        proxy.on('proxyReqWs', fix);
      };
      return {
        server: {
          proxy: {
            '/api': { target: apiTarget, changeOrigin: true, configure: rewriteOrigin as never },
            '/ws': { target: apiTarget.replace(/^http/, 'ws'), ws: true, changeOrigin: true, configure: rewriteOrigin as never },
          },
        },
      };
    },
  };
}

export default defineConfig({
  root: '.',
  plugins: [react(), weftApiProxy()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // The chunks over Vite's default 500 kB are elkjs (1.5 MB, one compiled file) and CodeMirror
    // (0.5 MB), both loaded on demand only (auto layout, code editor), not on opening the designer;
    // the warning suggested splitting what is already split, on every `npm start` that builds.
    chunkSizeWarningLimit: 1600,
    rolldownOptions: {
      output: {
        // Libraries in chunks of their own: they change far less often than Weft's code, so a new
        // Weft build leaves them cached in the browser.
        codeSplitting: {
          groups: [
            // Loaded on demand only (dynamic imports): the code editor and the auto layout.
            { name: 'codemirror', test: /[\\/]node_modules[\\/](@codemirror|@lezer|codemirror|crelt|style-mod|w3c-keyname|@marijn)[\\/]/, priority: 4 },
            { name: 'elk', test: /[\\/]node_modules[\\/]elkjs[\\/]/, priority: 4 },
            { name: 'react', test: /[\\/]node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 3 },
            { name: 'react-flow', test: /[\\/]node_modules[\\/](@xyflow|d3-[a-z]+|classcat)[\\/]/, priority: 2 },
            { name: 'vendor', test: /[\\/]node_modules[\\/]/, priority: 1 },
          ],
        },
      },
    },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
