/**
 * Callback requests as OSS sends them, for the benchmarks: the standard form body filled
 * in for one upload, signed with a key of our own (served by a key server whose prefix
 * the callback function is told to allow), carrying a valid job token.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { standardBodyTemplate } from '../lib/protocol/template';
import { createJobToken, JOB_ID_VAR, TOKEN_VAR } from '../lib/protocol/token';
import { signAsOss } from '../test/support/oss-signer';
import type { PreparedRequest } from './http-load';

export interface CallbackSigner {
  privateKey: KeyObject;
  /** URL of the matching public key, under an allowed prefix. */
  keyUrl: string;
  tokenSecret: string;
  bucket: string;
}

const TEMPLATE = standardBodyTemplate([JOB_ID_VAR, TOKEN_VAR]);

/**
 * One signed callback for `jobId`, as OSS would POST it after storing `object`.
 *
 * @example signedCallbackRequest(signer, 'bench-1', 'bench/1.bin', '/oss/callback')
 */
export function signedCallbackRequest(signer: CallbackSigner, jobId: string, object: string, path: string): PreparedRequest {
  const values: Record<string, string> = {
    bucket: signer.bucket,
    object,
    etag: `"${randomBytes(16).toString('hex').toUpperCase()}"`,
    size: '1024',
    mimeType: 'application/octet-stream',
    crc64: '18446744073709551615',
    contentMd5: randomBytes(16).toString('base64'),
    clientIp: '127.0.0.1',
    reqId: randomBytes(12).toString('hex').toUpperCase(),
    operation: 'PutObject',
    [JOB_ID_VAR]: jobId,
    [TOKEN_VAR]: createJobToken([signer.tokenSecret], { jobId, bucket: signer.bucket, key: object, vars: {} }),
  };
  // OSS percent-encodes every value it puts into a form body (OSS's Callback page,
  // callbackBodyType: https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
  const body = Buffer.from(TEMPLATE.replace(/\$\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? '')));
  const signed = signAsOss(signer.privateKey, signer.keyUrl, { path, body });
  return {
    method: 'POST',
    path,
    body,
    headers: {
      ...signed,
      'x-oss-bucket': signer.bucket,
      'x-oss-request-id': values.reqId!,
      'content-md5': createHash('md5').update(body).digest('base64'),
      date: new Date().toUTCString(),
      'user-agent': 'aliyun-oss-callback',
      'x-oss-requester': '1234567890123456',
      'x-oss-signature-version': '1.0',
      'x-oss-tag': 'CALLBACK',
    },
  };
}
