/** PutBucket and DeleteBucket. */
import { type OssContext, type OssReply, type OssRequest } from './context';
import { OssError, noSuchBucket } from './errors';

/** OSS bucket names: 3–63 characters of lowercase letters, digits and hyphens, not starting or ending with a hyphen. */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** PutBucket: creates the bucket; 200 again for one that exists (it is the caller's own). */
export async function putBucket(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const bucket = r.bucket!;
  if (!BUCKET_NAME.test(bucket)) {
    throw new OssError(400, 'InvalidBucketName', 'The specified bucket is not valid.', undefined, { BucketName: bucket });
  }
  for await (const _chunk of r.req) {
    // The optional CreateBucketConfiguration (storage class, redundancy) changes nothing here.
  }
  await ctx.state.createBucket(bucket);
  return { status: 200, headers: { Location: `/${bucket}` } };
}

/** DeleteBucket: 204; 409 BucketNotEmpty while it holds objects. */
export async function deleteBucket(ctx: OssContext, r: OssRequest): Promise<OssReply> {
  const bucket = r.bucket!;
  if (!ctx.state.hasBucket(bucket)) throw noSuchBucket(bucket);
  if (!(await ctx.state.deleteBucket(bucket))) {
    throw new OssError(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty.', undefined, { BucketName: bucket });
  }
  return { status: 204 };
}
