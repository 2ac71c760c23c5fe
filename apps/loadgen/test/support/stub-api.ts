// A stand-in for the OpenAI-compatible API behind the gateway: just enough behaviour to produce every status
// the scenarios expect, and its own count of what it answered (the truth the load generator must match).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const VALID_KEY = `sk-${'v'.repeat(43)}`;
export const EXPIRED_KEY = `sk-${'e'.repeat(43)}`;
export const MODELS = ['sim-small', 'sim-large', 'sim-slow'];

export interface StubCounts {
  byStatus: Record<string, number>;
  byModel: Record<string, Record<string, number>>;
  prompt: number;
  completion: number;
  streamed: number;
}

export interface StubApi {
  url: string;
  counts: StubCounts;
  close(): Promise<void>;
}

export async function startStubApi(): Promise<StubApi> {
  const counts: StubCounts = { byStatus: {}, byModel: {}, prompt: 0, completion: 0, streamed: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1024 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      let model = '(none)';
      const answer = (status: number, body: unknown) => {
        counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
        counts.byModel[model] ??= {};
        const m = counts.byModel[model]!;
        m[status] = (m[status] ?? 0) + 1;
        res.writeHead(status, {
          'content-type': 'application/json',
          traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
        });
        res.end(JSON.stringify(body));
      };
      const error = (status: number, code: string) => answer(status, { error: { code, message: code } });
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: MODELS.map((id) => ({ id, object: 'model' })) }));
        return;
      }
      if (size > 1024 * 1024) return error(413, 'REQUEST_BODY_TOO_LARGE');
      let body: { model?: string; messages?: { content: string }[]; stream?: boolean };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return error(400, 'INVALID_JSON');
      }
      model = body.model ?? '(none)';
      const auth = req.headers.authorization;
      if (!auth) return error(401, 'API_KEY_MISSING');
      const key = auth.replace(/^Bearer /, '');
      // The API service's key shape: sk- and 43 base64url characters.
      if (!/^sk-[A-Za-z0-9_-]{43}$/.test(key)) return error(401, 'API_KEY_MALFORMED');
      if (key === EXPIRED_KEY) return error(401, 'API_KEY_EXPIRED');
      if (key !== VALID_KEY) return error(401, 'API_KEY_UNKNOWN');
      if (!Array.isArray(body.messages)) return error(400, 'INVALID_REQUEST');
      if (!MODELS.includes(model)) return error(404, 'MODEL_NOT_FOUND');
      const prompt = 5 + ((body.messages[0]?.content.length ?? 0) % 17);
      const completion = 3 + (prompt % 5);
      counts.prompt += prompt;
      counts.completion += completion;
      if (body.stream) {
        counts.streamed++;
        counts.byStatus[200] = (counts.byStatus[200] ?? 0) + 1;
        counts.byModel[model] ??= {};
        const m = counts.byModel[model]!;
        m[200] = (m[200] ?? 0) + 1;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let i = 0; i < completion; i++) {
          res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: `t${i} ` } }] })}\n\n`);
        }
        res.write(
          `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion } })}\n\n`,
        );
        res.end('data: [DONE]\n\n');
        return;
      }
      answer(200, {
        object: 'chat.completion',
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
