#!/usr/bin/env node
// Runs the TypeScript sources with no build step between `git clone` and `npm start`:
// esbuild bundles src/ (not node_modules) into ES modules in a cache folder, and
// Node loads them. A per-file loader hook (tsx) would cost several hundred
// milliseconds at every start; the bundle is built once per version of the sources
// (tens of milliseconds to over a hundred) and reused by every later start.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDirectory = join(root, 'node_modules', '.cache', 'creditbook');
mkdirSync(cacheDirectory, { recursive: true });

/**
 * Names every source file the bundle holds with its size and modification time: any edit under src/ (or of this
 * file) names a new bundle. Not src/web: the console and portal are built apart, at run time (web-assets.ts).
 */
function sourcesVersion() {
  const hash = createHash('sha256');
  const walk = (directory) => {
    for (const entry of readdirSync(directory, { withFileTypes: true }).sort((left, right) => (left.name < right.name ? -1 : 1))) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        if (path !== webDirectory) walk(path);
      }
      else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
        const { size, mtimeMs } = statSync(path);
        hash.update(`${path}\0${size}\0${mtimeMs}\n`);
      }
    }
  };
  const webDirectory = join(root, 'src', 'web');
  walk(join(root, 'src'));
  const self = statSync(fileURLToPath(import.meta.url));
  hash.update(`bin\0${self.size}\0${self.mtimeMs}\0${process.version}`);
  return hash.digest('hex').slice(0, 16);
}

// The bundle is a folder: the entry and one chunk per dynamic import (the PostgreSQL store, each dialect), so what
// only those need (pg, qs) is loaded only when they are, not at every start.
const bundle = join(cacheDirectory, `cli-${sourcesVersion()}`);
const entry = join(bundle, 'main.mjs');
try {
  statSync(entry);
} catch {
  // Written to a folder of this process's own and renamed into place: a start never reads a half-written bundle,
  // and of starts racing to build the same sources, the first rename wins and the others use its folder.
  const partial = join(cacheDirectory, `partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(root, 'src', 'cli', 'main.ts')],
    outdir: partial,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // Separate .map files: Node reads them only when run with --enable-source-maps (TypeScript lines in stack traces).
    sourcemap: 'linked',
    logLevel: 'error',
  });
  try {
    renameSync(partial, bundle);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(entry)) throw error;
  }
  // Bundles of earlier sources are not used again (nor what a failed build left); one made in the last hour may still
  // be loading in another start.
  for (const name of readdirSync(cacheDirectory)) {
    const path = join(cacheDirectory, name);
    try {
      if (/^(cli-[0-9a-f]+|partial-\d+)(\.mjs(\.map)?)?$/.test(name) && path !== bundle && statSync(path).mtimeMs < Date.now() - 3_600_000) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another start removed it first.
    }
  }
}
await import(pathToFileURL(entry).href);
