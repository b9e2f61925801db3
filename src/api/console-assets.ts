import { existsSync } from 'node:fs';
import path from 'node:path';

import express, { type Router } from 'express';

import { ProblemError } from './problem';

/** Where `npm run build:console` puts the console (web/), relative to this module in src/ or dist/src/. */
export const CONSOLE_DIST = path.resolve(__dirname, '..', '..', 'web', 'dist');

/**
 * The operator console's static build under /console: the files as they are, and index.html for any
 * other path below it, so the console's own routes survive a reload. Hashed assets are cached for good;
 * index.html never is, so a new build is picked up at the next visit.
 */
export function consoleAssets(root = CONSOLE_DIST): Router {
  const router = express.Router();
  router.use(
    express.static(root, {
      index: false,
      setHeaders: (response, file) => {
        const immutable = file.includes(`${path.sep}assets${path.sep}`);
        response.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  router.get(/.*/, (request, response, next) => {
    // A missing file (an old build's asset) is a 404, not the page.
    if (path.extname(request.path) !== '') return next();
    const index = path.join(root, 'index.html');
    if (!existsSync(index)) {
      throw new ProblemError(404, 'console-not-built', 'Console not built', 'run `npm run build:console` first');
    }
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(index);
  });
  return router;
}
