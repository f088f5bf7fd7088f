import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ServedProcess } from './serve-process.ts';

export const README_PATH = fileURLToPath(new URL('../../README.md', import.meta.url));

/** A page of `docs/` that holds a snippet moved out of the README (`rated-usage.md`). */
export function docsPath(page: string): string {
  return fileURLToPath(new URL(`../../docs/${page}`, import.meta.url));
}

export function readReadme(path: string = README_PATH): string {
  return readFileSync(path, 'utf8');
}

/**
 * Runs the first ```bash block with a curl in the README (or another page) between two headings,
 * as written, against a real server: `localhost:8080` becomes the server's
 * address and `$KEY` its printed test key. Returns what the block printed.
 */
export function runReadmeScript(served: ServedProcess, section: { from: string; to: string }, path: string = README_PATH): string {
  const readme = readReadme(path);
  const [start, end] = [readme.indexOf(section.from), readme.indexOf(section.to)];
  assert.ok(start >= 0 && end > start, `${path} has '${section.from}' followed by '${section.to}'`);
  const text = readme.slice(start, end);
  const script = [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]!).find((block) => block.includes('curl'));
  assert.ok(script, `the README section '${section.from}' has a curl block`);
  const host = served.baseUrl.replace(/^http:\/\//, '');
  const runnable = `export KEY=${served.testKey}\n${script.replace(/export KEY=\S+/, `export KEY=${served.testKey}`).replaceAll('localhost:8080', host)}`;
  return execFileSync('bash', ['-euo', 'pipefail', '-c', runnable], { encoding: 'utf8' });
}

/** The JSON bodies a script printed one after another (curl -s prints no newline between them). */
export function printedBodies(output: string): any[] {
  return output
    .split(/(?<=\})\n?(?=\{)/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => JSON.parse(part));
}
