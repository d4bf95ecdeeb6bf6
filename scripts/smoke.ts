// `npm run smoke`: proof that a deployment works. Sends a few probe jobs through the jobs
// queue and one by async invocation of the uploader (submit's senders and settings),
// waits for their records, prints how long each stage took, removes the probe objects,
// and exits 0 only when every probe reached `uploaded`. Guide: docs/deploy.md, last step.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSmokeArgs, DEFAULT_QUEUE_PROBES, DEFAULT_TIMEOUT_SEC } from './smoke/args';
import { readCommandLine } from '../tools/cli';
import { ProgressLine } from '../tools/progress';
import { makeProbes, newRunId } from './smoke/probes';
import { report } from './smoke/report';
import { runSmoke, type SmokeIo } from './smoke/run';
import { resolveSmokeSettings } from './smoke/settings';
import { describeDestination, queueFromSYaml, uploaderNameFromSYaml } from './submit/settings';
import { SettingsError } from '../tools/settings-error';

const S_YAML = join(dirname(fileURLToPath(import.meta.url)), '..', 's.yaml');

const USAGE = `Usage: npm run smoke -- [--probes N] [--timeout S] [--api fc3|fc2] [--keep-objects]

Sends N small probe jobs (default ${DEFAULT_QUEUE_PROBES}) through the jobs queue and one by asynchronous
invocation of the uploader, waits up to S seconds (default ${DEFAULT_TIMEOUT_SEC}) for their records, prints
the time of each stage (sent, uploaded, callback recorded), then deletes the probe objects
(smoke/<run>/… in the upload bucket). The records stay: their job ids start with smoke-.

Options:
  --probes N        probes through the queue, 1-20 (one more always goes by invocation)
  --timeout S       seconds to wait for the records, 1-3600
  --api fc3|fc2     invocation API, as npm run submit's --api (default fc3)
  --keep-objects    leave the probe objects in the bucket
  -h, --help        this text

Environment: what npm run submit needs for both --via queue and --via invoke
(credentials by the SDKs' default chain, ALIBABA_CLOUD_ACCOUNT_ID or MNS_ACCOUNT_ID and
FC_ACCOUNT_ID, FC_REGION; MNS_ENDPOINT, MNS_QUEUE, FC_ENDPOINT, FC_FUNCTION to override),
what the functions read their records with (TABLESTORE_ENDPOINT, TABLESTORE_INSTANCE,
TABLESTORE_TABLE), and OSS_REGION (default oss-<FC_REGION>) or OSS_ENDPOINT for OSS.

Exit status: 0 every probe reached uploaded and its object was removed; 1 otherwise;
2 usage or settings error (nothing sent).`;

/** Progress on stderr: one line redrawn on a terminal; otherwise a line when the count changes, and every 10 s. */
function stderrIo(): SmokeIo {
  const line = new ProgressLine(process.stderr, { plainIntervalMs: 0, plainRepeatMs: 10_000 });
  return {
    log: (text) => {
      line.endLine();
      process.stderr.write(`${text}\n`);
    },
    progress(done, total, elapsedMs) {
      const state = `smoke: ${done} of ${total} probe record${total === 1 ? '' : 's'} final`;
      line.show(`${state}, ${(elapsedMs / 1000).toFixed(0)} s`, state);
    },
    progressDone: () => line.endLine(),
  };
}

async function main(argv: string[]): Promise<number> {
  const args = readCommandLine({ name: 'smoke', usage: USAGE, parse: parseSmokeArgs }, argv);
  let settings;
  try {
    settings = await resolveSmokeSettings(process.env, args, { functionName: uploaderNameFromSYaml(S_YAML), queue: queueFromSYaml(S_YAML) });
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`smoke: settings are missing or wrong (nothing was sent):\n${err.problems.map((p) => `  ${p}`).join('\n')}\n(npm run smoke -- --help for usage)\n`);
      return 2;
    }
    throw err;
  }

  const startedAt = Date.now();
  const runId = newRunId(startedAt);
  const probes = makeProbes(runId, args.queueProbes);
  const io = stderrIo();
  io.log(`smoke: run ${runId}: ${args.queueProbes} probe${args.queueProbes === 1 ? '' : 's'} to ${describeDestination(settings.queue)}`);
  io.log(`smoke: 1 probe to ${describeDestination(settings.invoke)}`);
  const outcome = await runSmoke(settings, args, probes, io);
  process.stdout.write(`${report(outcome, startedAt).join('\n')}\n`);

  const removed = outcome.probes.filter((p) => p.removed).length;
  if (!args.keepObjects && outcome.probes.some((p) => p.record)) process.stdout.write(`Removed ${removed} probe object${removed === 1 ? '' : 's'}; the records stay (npm run results -- ${outcome.probes.map((p) => p.jobId).join(' ')}).\n`);
  const uploaded = outcome.probes.filter((p) => p.record?.status === 'uploaded').length;
  if (outcome.allUploaded && outcome.cleanedUp) {
    process.stdout.write(`OK: all ${outcome.probes.length} probes reached uploaded.\n`);
    return 0;
  }
  const problems = [];
  if (!outcome.allUploaded) problems.push(`${uploaded} of ${outcome.probes.length} probes reached uploaded`);
  if (!outcome.cleanedUp) problems.push('some probe objects could not be removed');
  process.stdout.write(`FAILED: ${problems.join('; ')}.\n`);
  return 1;
}

process.exitCode = await main(process.argv.slice(2));
