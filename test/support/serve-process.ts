import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../../bin/creditbook.js', import.meta.url));

export interface ServedProcess {
  process: ChildProcess;
  baseUrl: string;
  /** The test key printed on an empty database, if one was printed. */
  testKey: string | undefined;
  /** Base URLs of dialects served on their own port (`--<name>-port`), by dialect name. */
  dialectUrls: Record<string, string>;
  output: () => string;
  /** What the process wrote to each stream. */
  streams: () => { stdout: string; stderr: string };
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/** Starts the real `creditbook serve` command on a free port and waits until it listens. */
export async function startServe(options: { database: string; env?: Record<string, string>; args?: string[] }): Promise<ServedProcess> {
  const args = options.args ?? [];
  // Each `--<name>-port` starts a dialect server after the main one; wait for all of them.
  const dialects = args.flatMap((arg) => /^--(\w+)-port$/.exec(arg)?.[1] ?? []);
  const child = spawn(process.execPath, [CLI_PATH, 'serve', '--db', options.database, '--port', '0', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const streams = { stdout: '', stderr: '' };
  for (const name of ['stdout', 'stderr'] as const) {
    child[name]!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      streams[name] += chunk.toString();
    });
  }
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Nobody gets a handle on a node that never started, so it is killed here rather than left running.
      child.kill('SIGKILL');
      reject(new Error(`serve did not start in time:\n${output}`));
    }, 20_000);
    const check = () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match && dialects.every((name) => output.includes(`${name} dialect listening on`))) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
  return {
    process: child,
    baseUrl,
    testKey: /(cb_test_[A-Za-z0-9]+)/.exec(output)?.[1],
    dialectUrls: Object.fromEntries(dialects.map((name) => [name, new RegExp(`${name} dialect listening on (http://\\S+)`).exec(output)![1]!])),
    output: () => output,
    streams: () => ({ ...streams }),
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

/** Runs a CLI command to completion (verify, keys, migrate). */
export function runCli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI_PATH, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A tiny JSON client for the native API. */
export function apiClient(baseUrl: string, key: string) {
  return async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as any) : null };
  };
}
