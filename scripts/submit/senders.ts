/**
 * The three ways a job leaves `npm run submit`: MNS SendMessage (@alicloud/mns), FC
 * 2016-08-15 async invocation (@alicloud/fc2), FC 3.0 async invocation
 * (@alicloud/fc20230330, fc3-invoke.ts). Each sends one job body and says how a failure
 * should be treated.
 */
import MNSClient from '@alicloud/mns';
import FC from '@alicloud/fc2';
import type { ResolvedCredentials } from '../../tools/credentials';
import { messageBody } from '../../tools/jobs-file';
import { createAsyncInvoker, FcInvokeError } from './fc3-invoke';
import type { Destination } from './settings';

/**
 * The largest asynchronous invocation payload: "the maximum payload for an asynchronous
 * invocation is 128 KB" (FC's EntityTooLarge FAQ, https://www.alibabacloud.com/help/doc-detail/2527064.html,
 * read 2026-12-02). An MNS message's limit is in tools/jobs-file.ts.
 */
export const ASYNC_INVOKE_LIMIT_BYTES = 128 * 1024;

/**
 * What to do after a failure: `transient` retry it; `job` give up on this job only;
 * `fatal` stop sending (the destination or the credentials are wrong, so every other job
 * would fail the same way).
 */
export type FailureKind = 'transient' | 'job' | 'fatal';

export interface Sender {
  /** Sends one job; resolves with the message id or FC request id. */
  send(body: string): Promise<string | undefined>;
  classify(error: unknown): FailureKind;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);

/** The HTTP status of an SDK error: FcInvokeError's, or the SDKs' message "… failed with 403. …". */
function statusOf(error: unknown): number | undefined {
  if (error instanceof FcInvokeError) return error.status || undefined;
  if (!(error instanceof Error)) return undefined;
  const match = /failed with (\d{3})\b/.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof FcInvokeError) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && NETWORK_CODES.has(code)) || /Timeout/.test(error.name);
}

/**
 * Sorts a send failure by its HTTP status: no answer, 429 or 5xx is transient (FC's
 * ResourceExhausted/ResourceThrottled, MNS's ServiceUnavailable); 401/403/404 are fatal
 * (wrong key, missing queue, function or service); any other 4xx is this job's own problem.
 *
 * @example classifyFailure(Object.assign(new Error('POST … failed with 503. …'), { name: 'MNSServiceUnavailableError' })) // 'transient'
 */
export function classifyFailure(error: unknown): FailureKind {
  if (isNetworkError(error)) return 'transient';
  const status = statusOf(error);
  if (status === undefined) return 'job';
  if (status === 429 || status >= 500) return 'transient';
  if (status === 401 || status === 403 || status === 404) return 'fatal';
  return 'job';
}

/** The sender for a destination, as `resolved` (constructs the SDK client; sends nothing yet). */
export function createSender(destination: Destination, resolved: ResolvedCredentials, timeoutMs = 30_000): Sender {
  const { credentials } = resolved;
  if (destination.via === 'queue') {
    const client = new MNSClient(destination.accountId, {
      endpoint: destination.endpoint,
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
      readTimeout: timeoutMs,
      connectTimeout: timeoutMs,
    });
    return {
      async send(body) {
        const sent = await client.sendMessage(destination.queue, { MessageBody: messageBody(body) });
        return sent.body.MessageId;
      },
      classify: classifyFailure,
    };
  }
  if (destination.api === 'fc2') {
    const client = new FC(destination.accountId ?? '', {
      accessKeyID: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
      region: destination.region,
      endpoint: destination.endpoint,
      timeout: timeoutMs,
    });
    return {
      async send(body) {
        const response = await client.invokeFunction(destination.service ?? '', destination.functionName, body, { 'x-fc-invocation-type': 'Async' });
        const id = response.headers['x-fc-request-id'];
        return Array.isArray(id) ? id[0] : id;
      },
      classify: classifyFailure,
    };
  }
  const invoke = createAsyncInvoker(destination.endpoint, resolved.client, timeoutMs);
  return {
    send: (body) => invoke(destination.functionName, body),
    classify: classifyFailure,
  };
}
