/**
 * Types for `@alicloud/mns` 1.2 (it ships none), written from its lib/client.js and
 * lib/helper.js: what each method sends and what it resolves with. Response values come
 * from xml2js, so every field is a string; 204 responses have no body. Errors are thrown
 * as `Error` whose `name` is `MNS<Code>Error` (e.g. `MNSMessageNotExistError`).
 */
declare module '@alicloud/mns' {
  namespace MNSClient {
    interface ClientOptions {
      accessKeyId?: string;
      accessKeyID?: string;
      accessKeySecret: string;
      /** Needed unless `endpoint` is given: builds `http(s)://<account>.mns.<region>[-internal][-vpc].aliyuncs.com`. */
      region?: string;
      /** Full base URL (`http://` or `https://`), used as is: how to reach a local emulator. */
      endpoint?: string;
      secure?: boolean;
      internal?: boolean;
      vpc?: boolean;
      securityToken?: string;
      refreshSTSToken?: () => Promise<{ accessKeyId: string; accessKeySecret: string; securityToken: string }>;
      refreshSTSTokenInterval?: number;
      readTimeout?: number;
      connectTimeout?: number;
    }

    interface Response<B> {
      code: number;
      headers: Record<string, string | undefined>;
      body: B;
    }

    interface QueueAttributesInput {
      DelaySeconds?: number;
      MaximumMessageSize?: number;
      MessageRetentionPeriod?: number;
      VisibilityTimeout?: number;
      PollingWaitSeconds?: number;
      LoggingEnabled?: boolean;
    }

    interface QueueAttributes {
      QueueName: string;
      CreateTime: string;
      LastModifyTime: string;
      DelaySeconds: string;
      MaximumMessageSize: string;
      MessageRetentionPeriod: string;
      VisibilityTimeout: string;
      PollingWaitSeconds: string;
      ActiveMessages: string;
      InactiveMessages: string;
      DelayMessages: string;
      LoggingEnabled: string;
    }

    /** A message to send. The SDK writes MessageBody into XML without escaping it. */
    interface OutgoingMessage {
      MessageBody: string;
      DelaySeconds?: number;
      Priority?: number;
    }

    interface SentMessage {
      MessageId: string;
      MessageBodyMD5: string;
    }

    interface ReceivedMessage {
      MessageId: string;
      ReceiptHandle: string;
      MessageBodyMD5: string;
      MessageBody: string;
      EnqueueTime: string;
      NextVisibleTime: string;
      FirstDequeueTime: string;
      DequeueCount: string;
      Priority: string;
    }

    interface BatchDeleteError {
      ErrorCode: string;
      ErrorMessage: string;
      ReceiptHandle: string;
    }
  }

  class MNSClient {
    constructor(accountId: string, options: MNSClient.ClientOptions);
    readonly endpoint: string;
    createQueue(name: string, attributes?: MNSClient.QueueAttributesInput): Promise<MNSClient.Response<undefined>>;
    deleteQueue(name: string): Promise<MNSClient.Response<undefined>>;
    listQueue(start?: string, limit?: number, prefix?: string): Promise<MNSClient.Response<{ QueueURL: string }[] | undefined>>;
    getQueueAttributes(name: string): Promise<MNSClient.Response<MNSClient.QueueAttributes>>;
    setQueueAttributes(name: string, attributes?: MNSClient.QueueAttributesInput): Promise<MNSClient.Response<undefined>>;
    sendMessage(queue: string, message: MNSClient.OutgoingMessage): Promise<MNSClient.Response<MNSClient.SentMessage>>;
    batchSendMessage(queue: string, messages: MNSClient.OutgoingMessage[]): Promise<MNSClient.Response<MNSClient.SentMessage[]>>;
    receiveMessage(queue: string, waitSeconds?: number): Promise<MNSClient.Response<MNSClient.ReceivedMessage>>;
    batchReceiveMessage(queue: string, numOfMessages: number, waitSeconds?: number): Promise<MNSClient.Response<MNSClient.ReceivedMessage[]>>;
    peekMessage(queue: string): Promise<MNSClient.Response<Omit<MNSClient.ReceivedMessage, 'ReceiptHandle' | 'NextVisibleTime'>>>;
    batchPeekMessage(queue: string, numOfMessages: number): Promise<MNSClient.Response<Omit<MNSClient.ReceivedMessage, 'ReceiptHandle' | 'NextVisibleTime'>[]>>;
    deleteMessage(queue: string, receiptHandle: string): Promise<MNSClient.Response<undefined>>;
    /** Resolves (does not throw) on partial failure: code 404 and the failed handles in `body`. */
    batchDeleteMessage(queue: string, receiptHandles: string[]): Promise<MNSClient.Response<MNSClient.BatchDeleteError[] | undefined>>;
    changeMessageVisibility(
      queue: string,
      receiptHandle: string,
      visibilityTimeout: number,
    ): Promise<MNSClient.Response<{ ReceiptHandle: string; NextVisibleTime: string }>>;
  }

  export = MNSClient;
}
