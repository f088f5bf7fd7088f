import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Everything the bench starts or creates is registered here, so that child
 * processes are killed and temp directories removed however the run ends
 * (normal end, thrown error, Ctrl-C).
 */
const children = new Set<ChildProcess>();
const tempDirectories = new Set<string>();
const cleanupTasks = new Set<() => void>();
let installed = false;

/** A synchronous last-resort task for cleanupNow (e.g. dropping a scratch database); returns its remover. */
export function onCleanup(task: () => void): () => void {
  cleanupTasks.add(task);
  return () => cleanupTasks.delete(task);
}

export function trackChild(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function makeTempDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  tempDirectories.add(directory);
  return directory;
}

export function removeTempDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
  tempDirectories.delete(directory);
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL if the child has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (hasExited(child)) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      if (!hasExited(child)) child.kill('SIGKILL');
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Synchronous last resort: kill what is still running and delete temp directories. */
export function cleanupNow(): void {
  for (const child of children) {
    if (!hasExited(child)) child.kill('SIGKILL');
  }
  children.clear();
  for (const directory of tempDirectories) rmSync(directory, { recursive: true, force: true });
  tempDirectories.clear();
  for (const task of cleanupTasks) {
    try {
      task();
    } catch {
      // Best effort: the run is ending anyway.
    }
  }
  cleanupTasks.clear();
}

export function installCleanupHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanupNow);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
      cleanupNow();
      process.exit(code);
    });
  }
}
