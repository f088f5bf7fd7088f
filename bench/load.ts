import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackChild } from './cleanup.ts';
import { formatMs } from './format.ts';
import { PROJECT_ROOT, TYPESCRIPT_IMPORT } from './processes.ts';

const WORKER_PATH = fileURLToPath(new URL('./load-worker.ts', import.meta.url));
const PACED_WORKER_PATH = fileURLToPath(new URL('./paced-load-worker.ts', import.meta.url));

export interface LoadConfig {
  baseUrl: string;
  /** POST bodies to cycle through (POST to `path`), or GET `paths` to cycle through. */
  path: string;
  bodies?: string[];
  paths?: string[];
  headers: Record<string, string>;
  connections: number;
  /** Offered rate over all connections (autocannon overallRate); omit for saturation. */
  overallRate?: number;
  seconds: number;
  /** A run with the same settings before the measured one, not recorded. */
  warmupSeconds: number;
}

/**
 * The open-loop load of paced-load-worker.ts: for each target in turn, GETs of
 * its `paths` (or POSTs of its `bodies` to `paths[0]`) scheduled at evenly
 * spaced instants; all targets `rounds` times, so a burst of other work on the
 * machine falls on every target alike.
 */
export interface PacedLoadConfig {
  targets: Array<{
    baseUrl: string;
    paths: string[];
    bodies?: string[];
    headers: Record<string, string>;
    /** The server's process: its CPU time per request is reported. */
    pid?: number;
  }>;
  /** Requests started per second, evenly spaced. */
  rate: number;
  /** Seconds per target per round. */
  seconds: number;
  rounds: number;
  /** Unrecorded load on each target before the first round. */
  warmupSeconds: number;
}

export interface LoadResult {
  seconds: number;
  ok: number;
  okPerSecond: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU (user + system, all threads) per request answered, when the server's pid was given. */
  cpuUsPerRequest?: number;
  /** Paced runs: each round's own p99, in order (the tail moves from round to round; `p99Ms` pools them). */
  roundP99Ms?: number[];
  /** Paced runs with the server's pid: each round's own server CPU per request, in order. */
  roundCpuUsPerRequest?: number[];
}

let configCount = 0;

/** Runs autocannon in a child process (bench/load-worker.ts) and returns its summary. */
export function runLoad(config: LoadConfig, workDirectory: string): Promise<LoadResult> {
  return runWorker(WORKER_PATH, config, workDirectory);
}

/** Runs the open-loop paced GET load (bench/paced-load-worker.ts) in a child process; one summary per target. */
export function runPacedLoad(config: PacedLoadConfig, workDirectory: string): Promise<LoadResult[]> {
  return runWorker(PACED_WORKER_PATH, config, workDirectory);
}

async function runWorker<Result>(workerPath: string, config: unknown, workDirectory: string): Promise<Result> {
  const configPath = join(workDirectory, `load-${(configCount += 1)}.json`);
  writeFileSync(configPath, JSON.stringify(config));
  const child = trackChild(spawn(process.execPath, [...TYPESCRIPT_IMPORT, workerPath, configPath], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close' fires after stdout is drained ('exit' may come first).
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode: number | null) => resolve(exitCode)));
  if (code !== 0) throw new Error(`load worker exited with ${code}:\n${stderr}`);
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Result;
}

/** A paced result's server CPU per request (NaN when no pid was given). */
export function cpuOf(result: LoadResult): number {
  return result.cpuUsPerRequest ?? NaN;
}

/** A paced figure round by round, ours then the baseline's: a round that ran colder or busier shows. */
function perRound(ours: LoadResult, baseline: LoadResult, pick: (result: LoadResult) => string[]): string {
  return `rounds: ${pick(ours).join(', ')}; baseline: ${pick(baseline).join(', ')}`;
}

/** Each round's server CPU per request. */
export function cpuRounds(ours: LoadResult, baseline: LoadResult): string {
  return perRound(ours, baseline, (result) => (result.roundCpuUsPerRequest ?? []).map((value) => String(Math.round(value))));
}

/** Each round's own p99: a paced p99 pools its rounds, and the tail moves between them. */
export function p99Rounds(ours: LoadResult, baseline: LoadResult): string {
  return perRound(ours, baseline, (result) => (result.roundP99Ms ?? []).map(formatMs));
}

/** Describes what went wrong in a run, if anything (non-2xx, socket errors, timeouts). */
export function failureNote(result: LoadResult): string | undefined {
  const parts = [
    result.non2xx > 0 ? `${result.non2xx} non-2xx` : '',
    result.errors > 0 ? `${result.errors} errors` : '',
    result.timeouts > 0 ? `${result.timeouts} timeouts` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : undefined;
}
