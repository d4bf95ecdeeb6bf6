// ali-oss ships no types for these internals; the signatures are read from
// node_modules/ali-oss/lib/common/signUtils.js (6.23.0).
declare module 'ali-oss/lib/common/signUtils' {
  /** `<accessKeyId>/<yyyymmdd>/<region>/<product>/aliyun_v4_request` (without the id when none is given). */
  export function getCredential(date: string, region: string, accessKeyId?: string, product?: string): string;
}
