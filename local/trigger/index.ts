/**
 * The local MNS trigger: what the EventBridge MNS trigger does for Function Compute in
 * `event-streaming` mode, run against any MNS endpoint (normally the local emulator).
 */
export { startMnsTrigger } from './trigger';
export type { MnsTrigger, MnsTriggerStats } from './trigger';
export { TriggerConfigError } from './options';
export type { MnsConnection, MnsTriggerOptions, TriggerEvent } from './options';
export { toMnsCloudEvent, queueSubject, triggerSourceName } from './cloud-event';
export type { EventSourceInfo } from './cloud-event';
export type { MnsCloudEvent } from '../../lib/fc';
