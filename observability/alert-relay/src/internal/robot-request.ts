import type { Receiver } from '../config.js';
import type { WebhookPayload } from '../payload.js';
import { dingtalkSignedUrl, feishuSign } from '../signing.js';
import { messageText, messageTitle } from './message-text.js';

/** The HTTP request that delivers a notification to a robot or webhook receiver. */
export interface RobotRequest {
  readonly url: string;
  readonly body: unknown;
}

/** Builds the request for `receiver`, signed at `now` where the robot needs it. */
export function robotRequest(receiver: Receiver, payload: WebhookPayload, now: number): RobotRequest {
  const text = messageText(payload);
  switch (receiver.type) {
    case 'dingtalk':
      return {
        url: dingtalkSignedUrl(receiver.url!, receiver.secret!, now),
        body: { msgtype: 'markdown', markdown: { title: messageTitle(payload), text } },
      };
    case 'feishu': {
      const timestamp = Math.floor(now / 1000);
      return {
        url: receiver.url!,
        body: {
          timestamp: String(timestamp),
          sign: feishuSign(receiver.secret!, timestamp),
          msg_type: 'text',
          content: { text },
        },
      };
    }
    default:
      return { url: receiver.url!, body: { text } };
  }
}

/**
 * Whether a robot's answer means delivered: a 2xx, and for DingTalk `errcode: 0`, for Feishu `code: 0`
 * (both answer 200 with an error code when the signature or the message is refused).
 */
export function robotAccepted(receiver: Receiver, status: number, body: string): boolean {
  if (status < 200 || status > 299) return false;
  if (receiver.type !== 'dingtalk' && receiver.type !== 'feishu') return true;
  try {
    const answer = JSON.parse(body) as { errcode?: number; code?: number; StatusCode?: number };
    const code = receiver.type === 'dingtalk' ? answer.errcode : (answer.code ?? answer.StatusCode);
    return code === 0;
  } catch {
    return false;
  }
}
