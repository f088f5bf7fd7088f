import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

/** The project's compiler options (its tsconfig.json), as esbuild's build reads them for the server's bundle. */
const tsconfig = JSON.parse(await readFile(new URL('../tsconfig.json', import.meta.url), 'utf8'));

/** Node's module load hook: a .ts file is transformed by esbuild, with what bin/creditbook.js builds with (no keepNames). */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !/\.[cm]?ts$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await transform(await readFile(path, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    // Node 20 reads `import … with { type: 'json' }`; esbuild's node20 target would drop the attribute.
    supported: { 'import-attributes': true },
    sourcefile: path,
    sourcemap: 'inline',
    tsconfigRaw: { compilerOptions: tsconfig.compilerOptions },
  });
  return { format: 'module', source: code, shortCircuit: true };
}
