/**
 * CPU time of this process and every process it started (FC instances, custom runtimes),
 * read from /proc: what a benchmark round cost the machine, not only the bench process.
 * Linux only; elsewhere there is nothing to read and the callers leave the figure out.
 */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * USER_HZ, the unit of utime and stime in /proc/<pid>/stat: proc(5) says "measured in
 * clock ticks (divide by sysconf(_SC_CLK_TCK))", which is 100 on x86-64 and arm64 Linux
 * (`getconf CLK_TCK`); Node has no sysconf.
 */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  ticks: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields after its last ')' are fixed.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the name: state, ppid, …; utime and stime are fields 14 and 15 of the whole line.
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

/**
 * CPU seconds (user + system) used so far by `root` and all its descendants, or
 * undefined where /proc is not there. Processes that already ended are not counted, so
 * compare two readings only across a span in which none of them ends.
 *
 * @example
 * const before = treeCpuSeconds();
 * await round();
 * const used = treeCpuSeconds()! - before!;
 */
export function treeCpuSeconds(root = process.pid): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const stats = new Map<number, ProcStat>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) stats.set(Number(pid), stat);
  }
  if (!stats.has(root)) return undefined;
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) {
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  let ticks = 0;
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    ticks += stats.get(pid)?.ticks ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}
