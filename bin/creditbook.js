#!/usr/bin/env node
// Runs the TypeScript sources with no build step between `git clone` and `npm start`:
// esbuild bundles src/ (not node_modules) into one ES module in a cache folder, and
// Node loads that. A per-file loader hook (tsx) would cost several hundred
// milliseconds at every start; the bundle is built once per version of the sources
// (tens of milliseconds to over a hundred) and reused by every later start.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
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

const bundle = join(cacheDirectory, `cli-${sourcesVersion()}.mjs`);
try {
  statSync(bundle);
} catch {
  // Written under a name of this process's own and renamed into place: a start never reads a half-written bundle,
  // and starts racing to build the same sources write the same file.
  const partial = join(cacheDirectory, `partial-${process.pid}.mjs`);
  const { build } = await import('esbuild');
  const { outputFiles } = await build({
    entryPoints: [join(root, 'src', 'cli', 'main.ts')],
    outfile: bundle,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // A separate .map file: Node reads it only when run with --enable-source-maps (TypeScript lines in stack traces).
    sourcemap: 'linked',
    logLevel: 'error',
  });
  for (const file of outputFiles) writeFileSync(file.path.endsWith('.map') ? `${partial}.map` : partial, file.contents);
  renameSync(`${partial}.map`, `${bundle}.map`);
  renameSync(partial, bundle);
  // Bundles of earlier sources are not used again (nor what a failed build left); one made in the last hour may still
  // be loading in another start.
  for (const name of readdirSync(cacheDirectory)) {
    const path = join(cacheDirectory, name);
    try {
      if (/^(cli-[0-9a-f]+|partial-\d+)\.mjs(\.map)?$/.test(name) && !path.startsWith(bundle) && statSync(path).mtimeMs < Date.now() - 3_600_000) unlinkSync(path);
    } catch {
      // Another start removed it first.
    }
  }
}
await import(pathToFileURL(bundle).href);
