/**
 * Which signature a request carries, and whether this emulator takes it.
 *
 * By default the emulator behaves like an OSS bucket created since 2025-09-01: V4 only.
 * OSS stopped V1 "for new customers with new UIDs" on 2025-03-01 and "for new buckets"
 * on 2025-09-01 ("Guidelines for upgrading V1 signatures to V4 signatures",
 * https://www.alibabacloud.com/help/en/oss/developer-reference/guidelines-for-upgrading-v1-signatures-to-v4-signatures,
 * read 2026-12-02); a V1 request then gets 403 with EC 0002-00000080. `allowV1` plays an
 * older bucket, which takes both.
 */
import type { AccessKeys } from './access-keys';
import { OssError } from './errors';
import { headerText } from '../serve';
import type { SignedRequest } from './signed-request';
import { malformedAuthorization, v1NotAllowed } from './signature-errors';
import { verifyV1 } from './signature-v1';
import { V4_ALGORITHM, verifyV4 } from './signature-v4';

export type { SignedRequest } from './signed-request';

/** What the emulator accepts. */
export interface SignaturePolicy {
  keys: AccessKeys;
  /** Standard region id of this endpoint (`cn-hangzhou`): V4 scopes must name it. */
  region: string;
  /** Take V1 signatures too (an old bucket). */
  allowV1: boolean;
}

/**
 * Throws the OssError OSS would answer with unless the request is signed in a way the
 * policy accepts, by a key it knows.
 *
 * @example checkSignature({ method: 'GET', headers: req.headers, bucket, key, query }, policy);
 */
export function checkSignature(request: SignedRequest, policy: SignaturePolicy, now = Date.now()): void {
  const authorization = headerText(request.headers, 'authorization');
  if (authorization !== undefined) {
    if (authorization.startsWith(`${V4_ALGORITHM} `)) {
      verifyV4(request, authorization, { keys: policy.keys, region: policy.region, now });
      return;
    }
    if (authorization.startsWith('OSS ')) {
      if (!policy.allowV1) throw v1NotAllowed();
      verifyV1(request, policy.keys, now);
      return;
    }
    throw malformedAuthorization('Authorization header is invalid.');
  }
  if (request.query.has('x-oss-signature-version') || request.query.has('x-oss-signature')) {
    // Presigned V2/V4 URLs: nothing in this project makes them (it signs every request
    // in a header), so the emulator does not check them rather than check them wrongly.
    throw new OssError(501, 'NotImplemented', 'Presigned V2/V4 URLs are not supported by the local OSS emulator; sign the request in the Authorization header.');
  }
  if (request.query.has('OSSAccessKeyId') && request.query.has('Signature')) {
    // The 0002-00000080 page's example of a refused V1 request is exactly this form.
    if (!policy.allowV1) throw v1NotAllowed();
    verifyV1(request, policy.keys, now);
    return;
  }
  throw new OssError(403, 'AccessDenied', 'You have no right to access this object because of bucket acl.');
}
