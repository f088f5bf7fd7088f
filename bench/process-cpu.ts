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
