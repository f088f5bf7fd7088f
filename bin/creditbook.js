#!/usr/bin/env node
// Runs the TypeScript sources with no build step between `git clone` and `npm start`:
// esbuild bundles src/ (not node_modules) into one ES module in a cache folder, in
// tens of milliseconds, and Node loads that. This keeps cold start well under a
// second, where a per-file loader hook (tsx) costs several hundred milliseconds.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDirectory = join(root, 'node_modules', '.cache', 'creditbook');
mkdirSync(cacheDirectory, { recursive: true });
// One file per process, so concurrent starts (several nodes, CLI beside a server) never read a half-written bundle.
const outfile = join(cacheDirectory, `cli-${process.pid}.mjs`);
await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'error',
});
const { unlink } = await import('node:fs/promises');
try {
  await import(pathToFileURL(outfile).href);
} finally {
  await unlink(outfile).catch(() => {});
}
