/**
 * How `npm start` ends, whatever ends it: a finished run, a bad option or jobs file, a
 * port in use, an internal error (thrown, rejected or uncaught), Ctrl-C. Every way goes
 * through `end()`: say why in one message, stop the stack (its servers, its FC
 * instances, its temporary directories), then exit with the code — and exit anyway if
 * stopping takes longer than a deadline, so the process never outlives its failure.
 */
import type { LocalStack } from '../../local/stack';
import { JobsFileError } from '../../tools/jobs-file';
import { UsageError } from '../../tools/cli';
import { HELP } from './args';
import { scrub } from './failure-reasons';

/** Stopping the stack takes well under a second; past this something hangs, and we exit anyway. */
export const STOP_DEADLINE_MS = 7000;

/** The exit code and the words for a failure. */
export function describeFailure(error: unknown): { code: number; message: string } {
  if (error instanceof UsageError) return { code: 2, message: `npm start: ${error.message}\n\n${HELP}` };
  if (error instanceof JobsFileError) return { code: 2, message: `npm start: ${error.message}` };
  const e = error as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.code === 'EADDRINUSE') {
    const where = e.port !== undefined ? `${e.address ?? '127.0.0.1'}:${e.port}` : 'a port';
    return { code: 1, message: `npm start: ${where} is in use (another program, or another npm start). Stop it, or choose other ports with --port <first>.` };
  }
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return { code: 1, message: `npm start failed: ${detail}` };
}

/**
 * One per run. `startStack` hands it the stack; `end` and `fail` stop it and exit.
 *
 * @example
 * const life = new Lifecycle();
 * life.install();
 * const stack = await life.startStack(() => startLocalStack());
 * await life.end(0);
 */
export class Lifecycle {
  private stack?: Promise<LocalStack | undefined>;
  private ending = false;
  private secrets: readonly string[] = [];

  constructor(
    private readonly err: { write(text: string): unknown } = process.stderr,
    private readonly deadlineMs = STOP_DEADLINE_MS,
  ) {}

  /**
   * From now on Ctrl-C, SIGTERM and any uncaught error end the run (with 130, 143, 1),
   * and so does the death of the parent process: `npm start` runs us under `sh -c`, and
   * when npm is told to stop (`timeout npm start`, a CI job cancelled) it signals that
   * shell, which dies without passing the signal on. Orphaned, we would keep the whole
   * stack running; instead we notice our parent change and stop.
   */
  install(): void {
    process.once('SIGINT', () => void this.end(130, 'interrupted'));
    process.once('SIGTERM', () => void this.end(143, 'terminated'));
    process.on('uncaughtException', (error) => void this.fail(error));
    process.on('unhandledRejection', (error) => void this.fail(error));
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) void this.end(143, 'the process that started npm start is gone');
    }, 500).unref();
  }

  /** Starts the stack; whatever ends the run stops it, even while it is still starting. */
  async startStack(start: () => Promise<LocalStack>): Promise<LocalStack> {
    const starting = start();
    this.stack = starting.catch(() => undefined);
    const stack = await starting;
    this.secrets = [stack.tokenSecret, stack.endpoints.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? ''];
    return stack;
  }

  /** Ends the run after `error`: its message (secret-free) on stderr, then `end` with its code. */
  fail(error: unknown): Promise<never> {
    const { code, message } = describeFailure(error);
    if (!this.ending) this.err.write(`${scrub(message, this.secrets)}\n`);
    return this.end(code);
  }

  /**
   * Stops the stack, if one started, and exits with `code`. Only the first call acts; it
   * exits after at most the deadline even if stopping hangs.
   */
  async end(code: number, why?: string): Promise<never> {
    if (this.ending) return new Promise<never>(() => undefined);
    this.ending = true;
    // Ref'd on purpose: if stopping hangs with nothing else pending, this still fires.
    setTimeout(() => {
      this.err.write(`the local stack did not stop within ${this.deadlineMs / 1000} s; exiting anyway\n`);
      process.exit(code);
    }, this.deadlineMs);
    const stack = await this.stack;
    if (stack) {
      this.err.write(`${why ? `\n${why}: ` : ''}stopping the local stack…\n`);
      await stack.close().catch((error: unknown) => this.err.write(`while stopping: ${error instanceof Error ? error.message : String(error)}\n`));
    }
    // Output to a pipe may still be queued (asynchronous on some systems); exit after it.
    await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))));
    process.exit(code);
  }
}
