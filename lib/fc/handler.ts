import type { Handler } from 'aws-lambda';
import type { FcContext } from './context';

/**
 * The generic Lambda handler shape from `@types/aws-lambda`, reused for its callback and
 * return types; FC differs only in the event (always a Buffer) and the context.
 */
type LambdaShape<TResult> = Handler<Buffer, TResult>;

/**
 * An FC 3.0 built-in runtime handler: `event` is the raw invocation payload as a Buffer
 * (an HTTP trigger passes the JSON of an {@link FcHttpEvent}); the resolved value is the
 * result. The callback style is accepted as FC's nodejs runtimes do, but prefer async.
 *
 * @example
 * export const handler: FcHandler<FcHttpResponse> = async (event, context) => {
 *   const req = parseFcHttpEvent(event);
 *   return { statusCode: 200, body: context.requestId };
 * };
 */
export type FcHandler<TResult = unknown> = (
  event: Buffer,
  context: FcContext,
  callback: Parameters<LambdaShape<TResult>>[2],
) => ReturnType<LambdaShape<TResult>>;
