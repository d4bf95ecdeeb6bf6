/**
 * Working out what a request addresses and which OSS operation it is.
 *
 * Two addressing styles reach the emulator:
 * - virtual-hosted: the bucket is the first label of the Host header, the path is the
 *   key. ali-oss uses this even with an IP endpoint: it connects to the IP but sends
 *   `Host: <bucket>.<region>.aliyuncs.com` with path `/<key>` (createRequest.js, isIP
 *   branch; getReqUrl.js adds the bucket to the path only with `sldEnable`).
 * - path-style: Host is an IP address, `localhost` or a bare OSS endpoint, and the path
 *   is `/<bucket>/<key>`.
 * Paths under `/__emulator/` on a path-style host are the emulator's own control API
 * (`__emulator` is not a valid bucket name, so it cannot clash).
 */
import { isIP } from 'node:net';
import { OssError } from './errors';

/** What a request addresses. */
export interface Target {
  bucket?: string;
  /** Decoded key; undefined for bucket- and service-level requests. */
  key?: string;
  query: URLSearchParams;
  /** Set for control requests: the path after `/__emulator/`. */
  control?: string;
  /** The host OSS would name in HostId (`<bucket>.<endpoint>`). */
  hostId: string;
}

export const CONTROL_PREFIX = '/__emulator/';

function isServiceHost(hostname: string): boolean {
  return isIP(hostname) !== 0 || hostname === 'localhost' || /^oss-[a-z0-9-]+(\.aliyuncs\.com)$/.test(hostname);
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new OssError(400, 'InvalidURI', 'Could not parse the specified URI.');
  }
}

/** Parses the Host header and request target (`/path?query`). */
export function parseTarget(hostHeader: string | undefined, rawUrl: string): Target {
  const host = (hostHeader ?? '').trim();
  const hostname = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  if (isServiceHost(hostname) || hostname === '') {
    if (rawPath.startsWith(CONTROL_PREFIX)) return { query, control: rawPath.slice(CONTROL_PREFIX.length), hostId: host };
    const path = rawPath.replace(/^\/+/, '');
    if (path === '') return { query, hostId: host };
    const slash = path.indexOf('/');
    const bucket = decodePath(slash < 0 ? path : path.slice(0, slash));
    const key = slash < 0 ? '' : decodePath(path.slice(slash + 1));
    return { bucket, key: key === '' ? undefined : key, query, hostId: `${bucket}.${host}` };
  }
  const dot = hostname.indexOf('.');
  const bucket = dot < 0 ? hostname : hostname.slice(0, dot);
  const key = decodePath(rawPath.replace(/^\//, ''));
  return { bucket, key: key === '' ? undefined : key, query, hostId: host };
}

/**
 * The OSS API name of a request (`PutObject`, `UploadPart`, …), used for dispatch and
 * for fault injection; `Unsupported` for anything the emulator does not implement.
 */
export function operationOf(method: string, target: Target): string {
  const q = target.query;
  if (!target.bucket) return method === 'GET' ? 'ListBuckets' : 'Unsupported';
  // A CORS preflight, on a bucket or an object (OSS "Options").
  if (method === 'OPTIONS') return 'Options';
  if (target.key === undefined) {
    switch (method) {
      case 'POST':
        // An HTML form upload is `POST /` on the bucket (OSS "PostObject").
        return [...q.keys()].length === 0 ? 'PostObject' : 'Unsupported';
      case 'PUT':
        return [...q.keys()].length === 0 ? 'PutBucket' : 'Unsupported';
      case 'DELETE':
        return [...q.keys()].length === 0 ? 'DeleteBucket' : 'Unsupported';
      case 'GET':
        if (q.has('uploads')) return 'ListMultipartUploads';
        if (q.get('list-type') === '2') return 'ListObjectsV2';
        if ([...q.keys()].some((k) => !['prefix', 'marker', 'max-keys', 'delimiter', 'encoding-type'].includes(k))) return 'Unsupported';
        return 'ListObjects';
      default:
        return 'Unsupported';
    }
  }
  switch (method) {
    case 'PUT':
      if (q.has('uploadId') && q.has('partNumber')) return 'UploadPart';
      if ([...q.keys()].some((k) => ['acl', 'tagging', 'symlink', 'append'].includes(k))) return 'Unsupported';
      return 'PutObject';
    case 'GET':
      if (q.has('uploadId')) return 'ListParts';
      if ([...q.keys()].some((k) => ['acl', 'tagging', 'symlink', 'objectMeta'].includes(k))) return 'Unsupported';
      return 'GetObject';
    case 'HEAD':
      return q.has('objectMeta') ? 'GetObjectMeta' : 'HeadObject';
    case 'DELETE':
      return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (q.has('uploads')) return 'InitiateMultipartUpload';
      if (q.has('uploadId')) return 'CompleteMultipartUpload';
      return 'Unsupported';
    default:
      return 'Unsupported';
  }
}
