export type { Receiver, ReceiverConfig, ReceiverType } from './config.js';
export { RelayConfigError, resolveReceivers } from './config.js';
export type { DeliveryState, InboxEntry } from './inbox.js';
export { Inbox } from './inbox.js';
export type { PayloadProblem, WebhookAlert, WebhookPayload } from './payload.js';
export { checkWebhookPayload } from './payload.js';
export type { RelayLogger, RelayOptions } from './relay.js';
export { buildRelay } from './relay.js';
export { dingtalkSign, dingtalkSignedUrl, feishuSign } from './signing.js';
