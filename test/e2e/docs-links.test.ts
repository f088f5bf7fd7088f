import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replaceAll(' ', '-');
}

function anchorsIn(markdown: string): Set<string> {
  const outsideCode = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...outsideCode.matchAll(/^#+ (.+)$/gm)].map((match) => anchorOf(match[1]!)));
}

/** Relative links (`[text](path#anchor)`, `![alt](path)`) outside code blocks; web addresses are not checked. */
function relativeLinks(markdown: string): string[] {
  const outsideCode = markdown.replace(/```[\s\S]*?```/g, '');
  return [...outsideCode.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/i.test(target));
}

describe('README and docs/ links', () => {
  for (const page of PAGES) {
    it(`every relative link in ${page} resolves`, () => {
      const path = join(ROOT, page);
      const links = relativeLinks(readFileSync(path, 'utf8'));
      for (const link of links) {
        const [file, anchor] = link.split('#') as [string, string | undefined];
        const target = file === '' ? path : join(dirname(path), file);
        assert.ok(existsSync(target), `${page} links ${link}: ${relative(ROOT, target)} does not exist`);
        if (anchor !== undefined) assert.ok(anchorsIn(readFileSync(target, 'utf8')).has(anchor), `${page} links ${link}: no heading makes #${anchor}`);
      }
    });
  }
});
