import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The layering rules of the src/ READMEs, checked on the source text of every non-test file. */
const root = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(folder: string): Array<{ path: string; text: string }> {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name))
    .map((name) => ({ path: relative(root, join(root, folder, name)), text: readFileSync(join(root, folder, name), 'utf8') }));
}

/**
 * What a file takes from other files as values: static imports and re-exports (`export … from`), and dynamic
 * `import('…')`. An `import type` or `export type` is free to cross layers: it leaves nothing at run time.
 */
function valueImports(text: string): string[] {
  const statics = [...text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1]!);
  const dynamics = [...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((match) => match[1]!);
  return [...statics, ...dynamics];
}

it('keeps src/domain pure: it imports only its own files and reads no clock, environment or randomness', () => {
  const breaches: string[] = [];
  for (const { path, text } of sourceFiles('src/domain')) {
    for (const target of valueImports(text)) if (!target.startsWith('./')) breaches.push(`${path} imports ${target}`);
    for (const call of text.match(/Date\.now\(|new Date\(\)|performance\.now|process\.|Math\.random/g) ?? []) breaches.push(`${path} calls ${call}`);
  }
  assert.deepEqual(breaches, []);
});

it('lets the edges reach the store only through app/', () => {
  const breaches: string[] = [];
  for (const folder of ['src/http', 'src/compat', 'src/edge', 'src/web']) {
    for (const { path, text } of sourceFiles(folder)) {
      for (const target of valueImports(text)) if (/(^|\/)store\//.test(target)) breaches.push(`${path} imports ${target}`);
      for (const use of text.match(/\.store\.\w+/g) ?? []) breaches.push(`${path} calls ${use}`);
    }
  }
  assert.deepEqual(breaches, []);
});

it('reads configuration only in src/cli', () => {
  const readers = ['src/app', 'src/domain', 'src/store', 'src/http', 'src/compat', 'src/edge', 'src/webhooks', 'src/payments', 'src/background', 'src/web']
    .flatMap(sourceFiles)
    .filter(({ text }) => text.includes('process.env'))
    .map(({ path }) => path);
  assert.deepEqual(readers, []);
});
