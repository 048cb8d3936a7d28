/** The built client (`dist/`), with every other non-API path answered by index.html (SPA routes). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';

export function staticClient(distDir: string | undefined): Router {
  const router = Router();
  const index = distDir ? join(distDir, 'index.html') : undefined;
  if (!distDir || !index || !existsSync(index)) {
    router.get('/', (_request, response) => {
      response.status(404).type('text/plain').send('The Weft API is running, but the client is not built. Run `npm start` (which builds it) or `npm run dev`.\n');
    });
    return router;
  }
  router.use(express.static(distDir, { index: false, fallthrough: true, dotfiles: 'ignore' }));
  router.use((request, response, next) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || request.path.startsWith('/api/') || request.path === '/ws') return next();
    response.set('Cache-Control', 'no-cache').sendFile(index);
  });
  return router;
}
