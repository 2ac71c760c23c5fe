import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { runProbe } from '../../src/internal/probe.js';

const context = { env: process.env, wrap: (c: string, a: string[]): [string, string[]] => [c, a] };

test('an HTTP probe sends its headers: a server that wants credentials on every path passes only with them', async () => {
  const server = createServer((req, res) => {
    res.writeHead(req.headers.authorization === 'Basic b3BzaWdodDpzM2NyZXQ=' ? 200 : 401).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    assert.deepEqual(await runProbe({ http: { port, path: '/-/ready' } }, context), {
      ok: false,
      detail: 'HTTP 401',
    });
    const headers = { authorization: `Basic ${Buffer.from('opsight:s3cret').toString('base64')}` };
    assert.deepEqual(await runProbe({ http: { port, path: '/-/ready', headers } }, context), { ok: true });
  } finally {
    server.close();
  }
});
