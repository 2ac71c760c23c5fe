// Optional bearer-token check shared by the HTTP listeners and the gRPC receiver.
import { timingSafeEqual } from 'node:crypto';

/** True when no token is configured or `authorization` is `Bearer <token>`. */
export function bearerAllowed(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  if (!authorization?.startsWith('Bearer ')) return false;
  const given = Buffer.from(authorization.slice(7));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
