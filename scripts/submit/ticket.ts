/**
 * `npm run submit -- <file>... --via ticket`: uploads local files through upload tickets,
 * the way a client of the ticket function would (scripts/submit/ticket-upload.ts), and
 * prints each file's record.
 */
import { uploadByTicket, TicketUploadError, type TicketUploadResult } from './ticket-upload';

export const TICKET_USAGE = `Usage: npm run submit -- <file>... --via ticket [options]

Uploads local files straight to OSS through upload tickets, as a browser or app would:
for each file, asks the ticket function for a ticket (POST TICKET_URL with the bearer
token), posts the ticket's form to OSS with the file, and reads back the record the
callback function wrote (GET TICKET_URL/<jobId>). docs/tickets.md explains tickets.

Options:
  --content-type <t>   media type of every file (default: by extension)
  --no-wait            do not wait for the records
  --concurrency <n>    files in flight at once (default 4)
  -h, --help           this text.

Environment:
  TICKET_URL     the ticket function's endpoint, e.g. https://tickets.example.com/tickets
                 (npm start -- --keep-running prints the local one)
  TICKET_TOKEN   a bearer token (JWT) the ticket trigger accepts

Exit status: 0 when every file was uploaded (and recorded, unless --no-wait); 1 when one
failed; 2 for a usage or settings error.`;

/** True when the command line asks for ticket uploads (`--via ticket` or `--via=ticket`). */
export function wantsTickets(argv: readonly string[]): boolean {
  return argv.some((arg, i) => arg === '--via=ticket' || (arg === '--via' && argv[i + 1] === 'ticket'));
}

interface TicketArgs {
  files: string[];
  contentType?: string;
  wait: boolean;
  concurrency: number;
}

function parse(argv: readonly string[]): TicketArgs | 'help' | string {
  const args: TicketArgs = { files: [], wait: true, concurrency: 4 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return 'help';
    if (arg === '--via=ticket') continue;
    if (arg === '--no-wait') args.wait = false;
    else if (arg === '--via' || arg === '--content-type' || arg === '--concurrency') {
      const value = argv[++i];
      if (value === undefined) return `${arg} needs a value`;
      if (arg === '--content-type') args.contentType = value;
      if (arg === '--concurrency') {
        if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) return '--concurrency must be 1 to 64';
        args.concurrency = Number(value);
      }
    } else if (arg.startsWith('--')) return `unknown option ${arg} (with --via ticket)`;
    else args.files.push(arg);
  }
  if (args.files.length === 0) return 'name at least one file to upload';
  return args;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/**
 * Runs the ticket mode of `npm run submit`; resolves with the exit status.
 *
 * @example process.exitCode = await runTicketSubmit(process.argv.slice(2), process.env);
 */
export async function runTicketSubmit(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const args = parse(argv);
  if (args === 'help') {
    process.stdout.write(`${TICKET_USAGE}\n`);
    return 0;
  }
  if (typeof args === 'string') {
    process.stderr.write(`submit: ${args}\n\n${TICKET_USAGE}\n`);
    return 2;
  }
  const url = env.TICKET_URL?.trim();
  const token = env.TICKET_TOKEN?.trim();
  const missing = [!url && 'TICKET_URL', !token && 'TICKET_TOKEN'].filter(Boolean);
  if (missing.length > 0) {
    process.stderr.write(`submit: ${missing.join(' and ')} must be set for --via ticket (npm start -- --keep-running prints them)\n`);
    return 2;
  }
  process.stderr.write(`submit: uploading ${args.files.length} file(s) by ticket via ${url}\n`);
  const results: (TicketUploadResult | { file: string; error: string })[] = new Array(args.files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < args.files.length) {
      const index = next++;
      const file = args.files[index]!;
      try {
        results[index] = await uploadByTicket({ url: url!, token: token! }, file, { wait: args.wait, ...(args.contentType ? { contentType: args.contentType } : {}) });
      } catch (error) {
        const message = error instanceof TicketUploadError ? error.message : error instanceof Error ? error.message : String(error);
        results[index] = { file, error: message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.concurrency, args.files.length) }, worker));

  const rows = [['file', 'job id', 'status', 'size', 'etag']];
  const failures: string[] = [];
  for (const r of results) {
    if ('error' in r) {
      rows.push([r.file, '', 'failed', '', '']);
      failures.push(`  ${r.file}: ${r.error}`);
    } else rows.push([r.file, r.jobId, r.record.status, String(r.record.size ?? r.size), r.record.etag ?? '']);
  }
  process.stdout.write(`${table(rows)}\n`);
  if (failures.length > 0) process.stdout.write(`\nFailed: ${failures.length}\n${failures.join('\n')}\n`);
  const ok = results.every((r) => !('error' in r) && (!args.wait || r.record.status === 'uploaded'));
  return ok ? 0 : 1;
}
