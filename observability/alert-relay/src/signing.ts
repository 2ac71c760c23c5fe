import { createHmac } from 'node:crypto';

/**
 * DingTalk robot signature: HMAC-SHA256 of `<timestamp ms>\n<secret>` keyed by the secret, base64; sent as the
 * `timestamp` and `sign` query parameters (URL-encoded).
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** The DingTalk robot URL with `timestamp` and `sign` added. */
export function dingtalkSignedUrl(url: string, secret: string, timestampMs: number): string {
  const u = new URL(url);
  u.searchParams.set('timestamp', String(timestampMs));
  u.searchParams.set('sign', dingtalkSign(secret, timestampMs));
  return u.toString();
}

/**
 * Feishu (Lark) robot signature: HMAC-SHA256 keyed by `<timestamp s>\n<secret>` over an empty message, base64;
 * sent in the body as `timestamp` and `sign`.
 */
export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}
