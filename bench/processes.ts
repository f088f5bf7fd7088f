import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { SERVE_V8_FLAGS } from '../src/cli/garbage-collector.ts';
import { hasExited, stopChild, trackChild } from './cleanup.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI_PATH = fileURLToPath(new URL('../bin/creditbook.js', import.meta.url));
const BARE_SERVER_PATH = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const MINIMAL_ROUTE_PATH = fileURLToPath(new URL('./minimal-route-server.ts', import.meta.url));

/** How the bench runs a TypeScript file in a process of its own: compiled as `npm start` compiles creditbook (typescript-loader.mjs). */
export const TYPESCRIPT_IMPORT: string[] = ['--import', pathToFileURL(fileURLToPath(new URL('./typescript-loader.mjs', import.meta.url))).href];

/**
 * The Node flags `npm start` gives the server (package.json) and the V8 flags `serve` sets at run time
 * (src/cli/garbage-collector.ts), given to every server the bench starts: creditbook runs as `npm start` runs it,
 * and the baselines on the same runtime settings.
 */
export const SERVER_NODE_FLAGS: string[] = (() => {
  const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const match = /^node((?:\s+--\S+)*)\s+bin\/creditbook\.js\b/.exec(packageJson.scripts.start);
  if (!match) throw new Error(`package.json's start script is not 'node [flags] bin/creditbook.js …': ${packageJson.scripts.start}`);
  return [...match[1]!.trim().split(/\s+/).filter(Boolean), ...SERVE_V8_FLAGS];
})();

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  /** From spawn to the first 200 from /healthz. */
  coldStartMs: number;
  output: () => string;
  stop: () => Promise<void>;
}

/** A port that was free a moment ago (the OS picks it; we release it for the child). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function healthy(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/healthz`);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Spawns `node <args>` and polls /healthz every 2 ms until it answers 200. */
export async function startServer(name: string, args: string[], port: number, env: Record<string, string>): Promise<ServerProcess> {
  const baseUrl = `http://127.0.0.1:${port}`;
  const startedAt = performance.now();
  const child = trackChild(
    spawn(process.execPath, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = startedAt + 30_000;
  for (;;) {
    if (hasExited(child)) throw new Error(`${name} exited during start-up:\n${output}`);
    if (await healthy(baseUrl)) break;
    if (performance.now() > deadline) {
      await stopChild(child);
      throw new Error(`${name} did not answer /healthz within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const coldStartMs = performance.now() - startedAt;
  return { name, child, pid: child.pid!, baseUrl, coldStartMs, output: () => output, stop: () => stopChild(child) };
}

/** The real server, as `npm start` runs it: `node <SERVER_NODE_FLAGS> bin/creditbook.js serve --db <file> --port <p>` with LOG_LEVEL=warn. */
export async function startCreditbook(database: string): Promise<ServerProcess> {
  const port = await freePort();
  return startServer('creditbook serve', [...SERVER_NODE_FLAGS, CLI_PATH, 'serve', '--db', database, '--port', String(port)], port, { LOG_LEVEL: 'warn' });
}

/** The baseline: a bare Fastify server with routes that parse the request and return a small constant JSON. */
export async function startBareFastify(): Promise<ServerProcess> {
  const port = await freePort();
  return startServer('bare Fastify', [...SERVER_NODE_FLAGS, ...TYPESCRIPT_IMPORT, BARE_SERVER_PATH], port, { PORT: String(port) });
}

/** The minimal route (minimal-route-server.ts), configured by the JSON file at `configPath`. */
export async function startMinimalRoute(configPath: string): Promise<ServerProcess> {
  const port = await freePort();
  return startServer('minimal route', [...SERVER_NODE_FLAGS, ...TYPESCRIPT_IMPORT, MINIMAL_ROUTE_PATH, configPath], port, { PORT: String(port) });
}

/** Runs a `creditbook` CLI command to completion and returns its stdout (throws on a non-zero exit). */
export function runCreditbookCli(args: string[]): string {
  const result = spawnSync(process.execPath, [CLI_PATH, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`creditbook ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

/** `creditbook verify` on a database the bench wrote (its server stopped): "N wallets checked, 0 problems", or what failed. */
export function verifyDatabase(database: string): string {
  const result = spawnSync(process.execPath, [CLI_PATH, 'verify', '--db', database], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 120_000 });
  const summary = result.stdout.trim().split('\n').pop()?.replace(/^verify \S+: /, '') ?? '';
  return result.status === 0 ? summary : `FAILED (exit ${result.status}): ${summary} ${result.stderr.trim().split('\n').slice(0, 5).join(' / ')}`;
}

/** The test API key `serve` prints on an empty database. */
export async function printedTestKey(server: ServerProcess): Promise<string> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const match = /(cb_test_[A-Za-z0-9]+)/.exec(server.output());
    if (match) return match[1]!;
    if (performance.now() > deadline) throw new Error(`serve printed no test key:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** VmRSS and VmHWM (peak RSS) of a process, in kB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssKb: number; peakKb: number; anonymousKb: number; fileKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  // RssFile: pages of mapped files (the memory-mapped database, Node's own binary), which the kernel can drop and reread.
  return { rssKb: field('VmRSS'), peakKb: field('VmHWM'), anonymousKb: field('RssAnon'), fileKb: field('RssFile') + field('RssShmem') };
}
