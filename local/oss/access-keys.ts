/**
 * The keys the emulator accepts, and OSS's answers for a key it does not know or an STS
 * token that does not fit.
 *
 * Two kinds, as in Alibaba Cloud: an account's (or RAM user's) long-term AccessKey pair,
 * and temporary STS credentials, which are a pair plus a security token that travels
 * in `x-oss-security-token` (ali-oss lib/common/utils/createRequest.js; the Swift SDK's
 * SignerV4.swift) and is signed like any other `x-oss-*` header.
 */
import { OssError } from './errors';

/** A long-term AccessKey pair. */
export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** Temporary credentials, as STS AssumeRole hands them out (and FC passes a function). */
export interface StsCredentials extends Credentials {
  securityToken: string;
}

/**
 * 403 InvalidAccessKeyId with OSS's message and EC, as the live service answered an
 * unknown key id to a V4-signed request in aliyun/alibabacloud-oss-go-sdk-v2's
 * integration tests (oss/client_integration_test.go, commit b3226d1).
 */
export function invalidAccessKeyId(accessKeyId: string): OssError {
  return new OssError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', '0002-00000902', {
    OSSAccessKeyId: accessKeyId,
  });
}

/**
 * 403 InvalidSecurityToken: code and message from OSS's "HTTP 403 errors" page
 * (https://www.alibabacloud.com/help/en/oss/user-guide/http-403-error-code, read
 * 2026-12-02). No EC is documented for it, so none is sent.
 */
export function invalidSecurityToken(): OssError {
  return new OssError(403, 'InvalidSecurityToken', 'The security token you provided is invalid.');
}

/** 403 AccessKeyIdAndSecurityTokenNotMatch: code and message from the same page; no documented EC. */
export function keyAndTokenDoNotMatch(accessKeyId: string): OssError {
  return new OssError(403, 'AccessKeyIdAndSecurityTokenNotMatch', 'The OSS access key id and security token you provided does not match.', undefined, {
    OSSAccessKeyId: accessKeyId,
  });
}

/**
 * The set of keys an emulator accepts.
 *
 * @example
 * const keys = new AccessKeys([{ accessKeyId: 'LTAI…', accessKeySecret: 's' }], [{ accessKeyId: 'STS.x', accessKeySecret: 't', securityToken: 'tok' }]);
 * keys.secretFor('STS.x', 'tok'); // => 't'
 */
export class AccessKeys {
  private readonly longTerm = new Map<string, string>();
  private readonly temporary = new Map<string, StsCredentials>();

  constructor(longTerm: readonly Credentials[], sts: readonly StsCredentials[] = []) {
    for (const key of longTerm) this.longTerm.set(key.accessKeyId, key.accessKeySecret);
    for (const key of sts) this.temporary.set(key.securityToken, key);
  }

  /**
   * The secret that signs a request made with `accessKeyId` and, when the request
   * carries one, `securityToken`; throws the OssError OSS answers otherwise.
   *
   * A token selects STS credentials: it must be one the emulator issued, for this key
   * id. Without a token only long-term keys count, so STS keys without their token are
   * unknown (how OSS words that case is not documented; InvalidAccessKeyId is the
   * nearest documented answer).
   */
  secretFor(accessKeyId: string, securityToken: string | undefined): string {
    if (securityToken !== undefined && securityToken !== '') {
      const sts = this.temporary.get(securityToken);
      if (!sts) throw invalidSecurityToken();
      if (sts.accessKeyId !== accessKeyId) throw keyAndTokenDoNotMatch(accessKeyId);
      return sts.accessKeySecret;
    }
    const secret = this.longTerm.get(accessKeyId);
    if (secret === undefined) throw invalidAccessKeyId(accessKeyId);
    return secret;
  }
}
