import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebAssets } from '../http/routes/web-routes.ts';

/**
 * Builds the console and the portal (src/web) in memory with esbuild (the server
 * calls it on the first request for a page): a few hundred milliseconds, and no
 * second build command. Source files are
 * found from the package root, which holds whether this runs from src/ or from the
 * bundle bin/creditbook.js writes under node_modules/.cache.
 */
export async function buildWebAssets(): Promise<WebAssets> {
  const root = packageRoot(dirname(fileURLToPath(import.meta.url)));
  const result = await build({
    entryPoints: { console: join(root, 'src/web/console/main.tsx'), portal: join(root, 'src/web/portal/main.tsx') },
    outdir: '/assets',
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  return Object.fromEntries(result.outputFiles.map((file) => [file.path.slice('/assets/'.length), file.text]));
}

function packageRoot(from: string): string {
  for (let directory = from; ; directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'creditbook') return directory;
    if (dirname(directory) === directory) throw new Error(`No creditbook package.json above ${from}`);
  }
}
