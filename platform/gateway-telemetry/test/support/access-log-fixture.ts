// Access-log lines shaped like nginx's `opsight_json` format, and temporary directories.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-telemetry-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface LineOverrides {
  [field: string]: unknown;
}

/** One access-log line (with its newline) and the ids in it. */
export function accessLogLine(overrides: LineOverrides = {}): {
  text: string;
  traceId: string;
  spanId: string;
} {
  const traceId = (overrides.trace_id as string) ?? randomBytes(16).toString('hex');
  const spanId = (overrides.span_id as string) ?? traceId.slice(0, 16);
  const line = {
    time: '2026-11-26T07:00:00+00:00',
    msec: Date.now() / 1000,
    trace_id: traceId,
    span_id: spanId,
    request_id: `req-${traceId}`,
    remote_addr: '127.0.0.1',
    host: '127.0.0.1',
    method: 'POST',
    uri: '/v1/chat/completions',
    protocol: 'HTTP/1.1',
    status: 200,
    request_length: 300,
    bytes_sent: 700,
    request_time: 0.042,
    upstream_addr: '127.0.0.1:8081',
    upstream_response_time: '0.041',
    upstream_status: '200',
    user_agent: 'OpenAI/JS 6.0.0',
    incoming_traceparent: '',
    ...overrides,
  };
  return { text: `${JSON.stringify(line)}\n`, traceId, spanId };
}
