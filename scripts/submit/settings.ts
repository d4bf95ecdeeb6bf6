/**
 * Where `npm run submit` sends jobs: from the command line and the environment. Every
 * missing setting is reported at once, by variable name, before anything is sent. (As
 * whom is tools/credentials.ts's business: the SDK's default credential chain.)
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SettingsError } from '../../tools/settings-error';
import type { FcApi, SubmitArgs } from './args';

/**
 * The default queue: s.yaml's `vars.jobsQueue`, the one its EventBridge trigger reads
 * (queueFromSYaml reads the file; this is the fallback when it cannot). The local stack
 * names its own queue in MNS_QUEUE.
 */
export const DEFAULT_QUEUE = 'oss-upload-jobs';
/** s.yaml's default region (`env('FC_REGION', 'cn-hangzhou')`). */
export const DEFAULT_REGION = 'cn-hangzhou';

export interface QueueDestination {
  via: 'queue';
  endpoint: string;
  accountId: string;
  queue: string;
}

export interface InvokeDestination {
  via: 'invoke';
  api: FcApi;
  endpoint: string;
  functionName: string;
  /** fc2 only: the client needs them. */
  accountId?: string;
  region: string;
  /** fc2 only: FC 2.0 functions live in a service. */
  service?: string;
}

export type Destination = QueueDestination | InvokeDestination;

function value(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = env[name]?.trim();
    if (v) return v;
  }
  return undefined;
}

/**
 * The public FC endpoint of an account in a region (the same host serves 2016-08-15 and
 * 2023-03-30; docs/invoke-api.md, "Endpoint"); `internal` for the `-internal` one inside
 * Alibaba Cloud.
 *
 * @example fc3Endpoint('1234567890123456', 'cn-hangzhou') // 'https://1234567890123456.cn-hangzhou.fc.aliyuncs.com'
 */
export function fc3Endpoint(accountId: string, region: string, internal = false): string {
  return `https://${accountId}.${region}${internal ? '-internal' : ''}.fc.aliyuncs.com`;
}

/**
 * The uploader's function name as s.yaml deploys it (`vars.uploaderFunctionName`), or
 * undefined when s.yaml cannot be read.
 *
 * @example uploaderNameFromSYaml('s.yaml') // 'oss-upload-uploader'
 */
export function uploaderNameFromSYaml(path: string): string | undefined {
  return sYamlVar(path, 'uploaderFunctionName');
}

/**
 * The jobs queue as s.yaml names it (`vars.jobsQueue`), or undefined when s.yaml cannot be read.
 *
 * @example queueFromSYaml('s.yaml') // 'oss-upload-jobs'
 */
export function queueFromSYaml(path: string): string | undefined {
  return sYamlVar(path, 'jobsQueue');
}

function sYamlVar(path: string, name: string): string | undefined {
  try {
    const doc = parse(readFileSync(path, 'utf8')) as { vars?: Record<string, unknown> } | null;
    const value = doc?.vars?.[name];
    // A `${env(…)}` expression is only known to Serverless Devs: no default then.
    return typeof value === 'string' && value !== '' && !value.includes('${') ? value : undefined;
  } catch {
    return undefined;
  }
}

function checkEndpoint(endpoint: string, from: string, problems: string[], originOnly = false): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    problems.push(`${from} must be an http(s) URL, not '${endpoint}'`);
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`${from} must be an http(s) URL, not '${endpoint}'`);
  // @alicloud/fc20230330 takes a host and a protocol, and puts the API's own path after them.
  else if (originOnly && (url.pathname !== '/' || url.search !== '' || url.username !== '')) problems.push(`${from} must be a URL without a path or query, such as https://<account-id>.<region>.fc.aliyuncs.com, not '${endpoint}'`);
}

/**
 * Resolves the destination of a run. Throws SettingsError naming every missing variable.
 *
 * @example
 * resolveDestination({ via: 'queue', … }, { MNS_ENDPOINT: 'http://127.0.0.1:9000', MNS_ACCOUNT_ID: '123' }, {})
 * // { via: 'queue', endpoint: 'http://127.0.0.1:9000', accountId: '123', queue: 'oss-upload-jobs' }
 */
export function resolveDestination(args: SubmitArgs, env: NodeJS.ProcessEnv, defaults: { functionName?: string; queue?: string }): Destination {
  const missing: string[] = [];
  const invalid: string[] = [];

  let destination: Destination;
  if (args.via === 'queue') {
    const accountId = value(env, 'MNS_ACCOUNT_ID', 'ALIBABA_CLOUD_ACCOUNT_ID');
    if (!accountId) missing.push('MNS_ACCOUNT_ID (or ALIBABA_CLOUD_ACCOUNT_ID) is not set (the account that owns the queue)');
    let endpoint = args.endpoint ?? value(env, 'MNS_ENDPOINT');
    if (endpoint) checkEndpoint(endpoint, args.endpoint ? '--endpoint' : 'MNS_ENDPOINT', invalid);
    // The cloud endpoint is https://<account>.mns.<region>.aliyuncs.com; the queue lives in the deployment's region.
    else if (accountId) endpoint = `https://${accountId}.mns.${value(env, 'MNS_REGION', 'FC_REGION') ?? DEFAULT_REGION}.aliyuncs.com`;
    const queue = args.queue ?? value(env, 'MNS_QUEUE') ?? defaults.queue ?? DEFAULT_QUEUE;
    destination = { via: 'queue', endpoint: endpoint ?? '', accountId: accountId ?? '', queue };
  } else {
    const region = value(env, 'FC_REGION') ?? DEFAULT_REGION;
    const accountId = value(env, 'FC_ACCOUNT_ID', 'ALIBABA_CLOUD_ACCOUNT_ID');
    let endpoint = args.endpoint ?? value(env, 'FC_ENDPOINT');
    if (endpoint) checkEndpoint(endpoint, args.endpoint ? '--endpoint' : 'FC_ENDPOINT', invalid, args.api === 'fc3');
    else if (accountId) endpoint = fc3Endpoint(accountId, region);
    // @alicloud/fc2 refuses to start without an account id, even with an endpoint.
    if (!accountId && (!endpoint || args.api === 'fc2')) {
      missing.push(`FC_ACCOUNT_ID (or ALIBABA_CLOUD_ACCOUNT_ID) is not set (the account whose FC endpoint to call${args.api === 'fc3' ? ', or set FC_ENDPOINT' : ''})`);
    }
    const functionName = args.functionName ?? value(env, 'FC_FUNCTION') ?? defaults.functionName;
    if (!functionName) missing.push("FC_FUNCTION is not set (the uploader's function name; s.yaml's could not be read)");
    const service = value(env, 'FC_SERVICE');
    if (args.api === 'fc2' && !service) missing.push('FC_SERVICE is not set (--api fc2 calls the 2016-08-15 API, which needs the FC 2.0 service name)');
    destination = { via: 'invoke', api: args.api, endpoint: endpoint ?? '', functionName: functionName ?? '', accountId, region, service };
  }
  if (missing.length > 0) throw new SettingsError('missing_settings', [...missing, ...invalid]);
  if (invalid.length > 0) throw new SettingsError('invalid_setting', invalid);
  return destination;
}

/** A one-line description of where jobs go (no secrets). */
export function describeDestination(d: Destination): string {
  if (d.via === 'queue') return `MNS queue '${d.queue}' at ${d.endpoint} (SendMessage)`;
  if (d.api === 'fc2') return `function '${d.functionName}' of service '${d.service}' at ${d.endpoint} (FC 2016-08-15 API, async)`;
  return `function '${d.functionName}' at ${d.endpoint} (FC 3.0 API 2023-03-30, qualifier LATEST, async)`;
}
