// FC 3.0 built-in runtime types and the small helpers every handler needs.
export type { FcContext, FcCredentials, FcFunctionInfo, FcServiceInfo, FcLogger } from './context';
export { usableCredentials } from './context';
export type { FcHandler } from './handler';
export type { FcHttpEvent, FcHttpRequestContext, FcHttpResponse, FcEventErrorReason } from './http-event';
export { FcEventError, parseFcHttpEvent, headerValue, httpBody } from './http-event';
export type { MnsCloudEvent, MnsQueueMessageData, MnsCloudEventBatch } from './mns-event';
export { isMnsCloudEvent, hasMnsMessageType, MNS_SEND_MESSAGE_TYPE } from './mns-event';
