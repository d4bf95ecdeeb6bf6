/**
 * `npm start` as a child process for the e2e tests: scripts/start.ts under node with
 * tsx (what `npm start` runs), in a process group of its own, so a test can tell whether
 * anything it started (FC instances, esbuild's service) outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StartProcess {
  child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (code null and `killed` true when the deadline killed it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }>;
  /** Resolves when stderr (or stdout) matches `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

/**
 * Starts `npm start` with `args`. After `deadlineMs` the whole group is killed, so a hang
 * fails the test instead of stalling the suite. `underShell`: as npm runs it, under
 * `sh -c` (then `child` is the shell, and `exited` resolves once the output pipes close,
 * that is when npm start itself has exited too).
 */
export function spawnStart(args: string[], deadlineMs: number, options: { underShell?: boolean } = {}): StartProcess {
  const node = [process.execPath, '--import', 'tsx', 'scripts/start.ts', ...args];
  const [command, ...argv] = options.underShell ? ['sh', '-c', '"$0" "$@"', ...node] : node;
  const child = spawn(command!, argv, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const l of listeners) l();
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    killGroup(child.pid!);
  }, deadlineMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const l of listeners) l();
      resolve({ code, signal, killed });
    });
  });
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(err) ?? pattern.exec(out);
          if (match) {
            listeners.delete(check);
            resolve(match);
          } else if (done || child.exitCode !== null) {
            listeners.delete(check);
            reject(new Error(`npm start exited before printing ${pattern}:\n${out}\n${err}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Kills every process of the group `pgid` (the test's own safety net). */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Processes still in group `pgid` (Linux /proc; elsewhere always empty). */
export function groupMembers(pgid: number): string[] {
  if (process.platform !== 'linux') return [];
  const members: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) in parentheses: state ppid pgrp …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()}`);
    } catch {
      // It exited while we looked.
    }
  }
  return members;
}

/** Waits until group `pgid` is empty, up to `withinMs`; returns what is left. */
export async function leftInGroup(pgid: number, withinMs = 10_000): Promise<string[]> {
  const until = Date.now() + withinMs;
  let left = groupMembers(pgid);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    left = groupMembers(pgid);
  }
  return left;
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The ports of the `stack up …` line npm start prints. */
export function printedPorts(stderr: string): number[] {
  const line = /^stack up .*$/m.exec(stderr)?.[0] ?? '';
  return [...line.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
}

/** `count` consecutive free loopback ports, as the first of them. */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const results = await Promise.all(Array.from({ length: count }, (_, i) => listening(base + i)));
    if (results.every((busy) => !busy)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
