/**
 * The uploader function (FC 3.0, nodejs20): takes one job, an array of jobs, one MNS
 * CloudEvent or a batch of them, uploads each job to OSS with callback parameters, and
 * answers with a summary. It fails the invocation (so the queue or FC's async retry
 * delivers the batch again) when a job failed transiently, or when the configuration is
 * unusable. Everything else lives in lib/uploader.
 */
import { usableCredentials, type FcHandler } from '../../lib/fc/index';
import { deliveriesFromEvent } from '../../lib/jobs/delivery';
import { log } from '../../lib/log';
import { ConfigError } from '../../lib/uploader/config';
import { processDepsFor, uploaderInstance, type UploaderInstance } from '../../lib/uploader/instance';
import { invocationLease } from '../../lib/uploader/invocation-lease';
import { processDeliveries, type BatchSummary } from '../../lib/uploader/process';

function instanceFor(credentials: ReturnType<typeof usableCredentials>, requestId: string): UploaderInstance {
  try {
    return uploaderInstance(process.env, credentials);
  } catch (error) {
    if (error instanceof ConfigError) {
      log('error', { fn: 'uploader', requestId, outcome: 'config_error', setting: error.setting, error: error.message });
      throw new Error(`uploader configuration: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** FC entry point (`index.handler`). */
export const handler: FcHandler<BatchSummary> = async (event, context) => {
  const startedAt = Date.now();
  const instance = instanceFor(usableCredentials(context), context.requestId);
  const deps = { ...processDepsFor(instance, context.requestId), lease: invocationLease(context, startedAt) };
  return processDeliveries(deliveriesFromEvent(event), deps);
};
