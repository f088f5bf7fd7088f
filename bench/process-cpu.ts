import { readFileSync } from 'node:fs';

/** USER_HZ: 100 on Linux on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** user + system (or only one of them) CPU time of a process (all its threads), in ms, from /proc/<pid>/stat (10 ms resolution). */
export function cpuMsOf(pid: number, part: 'both' | 'user' | 'system' = 'both'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at `state`; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = (part === 'system' ? 0 : Number(fields[11])) + (part === 'user' ? 0 : Number(fields[12]));
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** The machine's CPU time so far, in ticks: all of it, and what the hypervisor stole. */
export interface MachineCpu {
  total: number;
  stolen: number;
}

/** From /proc/stat's first line, summed over every CPU; undefined where there is none. */
export function machineCpu(): MachineCpu | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    return { total: fields.slice(0, 8).reduce((sum, value) => sum + value, 0), stolen: fields[7] ?? 0 };
  } catch {
    return undefined; // not Linux
  }
}

/**
 * The share of the machine's CPU time since `before` that the hypervisor gave to other guests: on a shared VM,
 * a section that ran while this was high ran on less machine than the one before it, and its figures say so.
 */
export function stolenSince(before: MachineCpu | undefined): string {
  const after = machineCpu();
  if (!before || !after || after.total <= before.total) return 'unknown';
  return `${((100 * (after.stolen - before.stolen)) / (after.total - before.total)).toFixed(1)}%`;
}
