// @alicloud/fc2 ships no types; this declares the part of it the project uses, read from
// node_modules/@alicloud/fc2/lib/client.js (constructor, request, invokeFunction).
declare module '@alicloud/fc2' {
  interface FCClientConfig {
    accessKeyID: string;
    accessKeySecret: string;
    region: string;
    /** Required when accessKeyID starts with `STS` (only then is it sent). */
    securityToken?: string;
    /** Overrides `http(s)://<account>.<region>[-internal].fc.aliyuncs.com`. */
    endpoint?: string;
    secure?: boolean;
    internal?: boolean;
    /** Milliseconds (default 60 000). */
    timeout?: number;
    /** Sent with every request. */
    headers?: Record<string, string>;
  }

  interface FCResponse<T = unknown> {
    headers: Record<string, string | string[] | undefined>;
    /** The body: parsed when its type is application/json, else a string (or a Buffer with rawBuf). */
    data: T;
  }

  /** Thrown for a non-2xx answer: `name` is `FC<ErrorCode>Error`, `code` the ErrorCode. */
  interface FCError extends Error {
    code?: string;
  }

  class FCClient {
    constructor(accountId: string, config: FCClientConfig);
    invokeFunction(
      serviceName: string,
      functionName: string,
      event: string | Buffer | null,
      headers?: Record<string, string>,
      qualifier?: string,
      opts?: { rawBuf?: boolean },
    ): Promise<FCResponse>;
    request(method: string, path: string, query: Record<string, string> | null, body: unknown, headers?: Record<string, string>, opts?: { rawBuf?: boolean }): Promise<FCResponse>;
  }

  export type { FCClientConfig, FCResponse, FCError };
  export default FCClient;
}
