import { request } from 'node:http';

/** What {@link httpProbe} sends. */
export interface ProbeRequest {
  /** @default 'GET' */
  method?: string;
  /** Sent as written, `host` and `origin` included (fetch() would not let a test set Host). @default {} */
  headers?: Record<string, string>;
  /** @default no body */
  body?: string | Buffer;
}

/** What {@link httpProbe} received. */
export interface ProbeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends one request the way an attacker's page or a rebound DNS name would, with any Host and Origin, and
 * reads the whole answer: for tests that try the attack from outside.
 */
export function httpProbe(url: string, req: ProbeRequest = {}): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const r = request(
      url,
      { method: req.method ?? 'GET', headers: req.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}
