// Tenancy by token (--auth-tokens-file), tried from outside: a real HTTP client sends the crafted request.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TokensFile } from '@opsight/tenant-auth';
import WebSocket from 'ws';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';

const tokenA = 'token-of-team-a-0123456789';
const tokenB = 'token-of-team-b-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'logstore-tenancy-'));
const tokensPath = join(dir, 'tokens');
let tokens: TokensFile;
const reloadErrors: Error[] = [];
let store: LogStore;
let url: string;

before(async () => {
  writeFileSync(tokensPath, `# test tokens\nteam-a ${tokenA}\nteam-b ${tokenB}\n`);
  tokens = new TokensFile(tokensPath, { pollMs: 0, onReloadError: (e) => reloadErrors.push(e) });
  store = createLogStore({
    dataDir: ':memory:',
    port: 0,
    tenantAuth: tokens,
    limits: { max_global_streams_per_user: 2 },
  });
  url = await store.listen();
});
after(async () => {
  tokens.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const push = (app: string, line: string, headers: Record<string, string>) =>
  fetch(`${url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ streams: [{ stream: { app }, values: [[nowNs().toString(), line]] }] }),
  });
const query = (q: string, headers: Record<string, string>) => {
  const u = new URL(`${url}/loki/api/v1/query_range`);
  u.searchParams.set('query', q);
  return fetch(u, { headers });
};
const linesOf = async (r: Response) => {
  assert.equal(r.status, 200, await r.clone().text());
  const body = (await r.json()) as { data: { result: Array<{ values: Array<[string, string]> }> } };
  return body.data.result.flatMap((s) => s.values.map((v) => v[1])).sort();
};
const bearer = (token: string, tenant?: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  ...(tenant ? { 'x-scope-orgid': tenant } : {}),
});

test('an X-Scope-OrgID that disagrees with the token is 403 TENANT_MISMATCH; a missing one takes the token tenant', async () => {
  const r = await push('mismatch', 'x', bearer(tokenA, 'team-b'));
  assert.equal(r.status, 403);
  const body = (await r.json()) as { code: string; field: string };
  assert.deepEqual([body.code, body.field], ['TENANT_MISMATCH', 'X-Scope-OrgID']);
  assert.equal((await push('own', 'by team-a, no header', bearer(tokenA))).status, 204);
  assert.deepEqual(await linesOf(await query('{app="own"}', bearer(tokenA, 'team-a'))), [
    'by team-a, no header',
  ]);
  const noToken = await push('own', 'x', { 'x-scope-orgid': 'team-a' });
  assert.equal(noToken.status, 401);
  assert.equal(((await noToken.json()) as { code: string }).code, 'UNAUTHORIZED');
  assert.equal((await push('own', 'x', bearer('token-of-team-a-012345678'))).status, 401);
  // Open, as Loki's: Prometheus scrapes it without a tenant token.
  assert.equal((await fetch(`${url}/metrics`)).status, 200);
  assert.equal((await fetch(`${url}/ready`)).status, 200);
});

test("a token of tenant A cannot read tenant B's logs", async () => {
  assert.equal((await push('secret', 'only for team-b', bearer(tokenB))).status, 204);
  assert.deepEqual(await linesOf(await query('{app="secret"}', bearer(tokenB))), ['only for team-b']);
  assert.deepEqual(await linesOf(await query('{app="secret"}', bearer(tokenA))), []);
  const crafted = await query('{app="secret"}', bearer(tokenA, 'team-b'));
  assert.equal(crafted.status, 403);
  const labels = await fetch(`${url}/loki/api/v1/label/app/values`, { headers: bearer(tokenA, 'team-b') });
  assert.equal(labels.status, 403);
  const own = await fetch(`${url}/loki/api/v1/label/app/values`, { headers: bearer(tokenA) });
  assert.ok(!((await own.json()) as { data: string[] }).data.includes('secret'));
  // Live tail: the upgrade is refused before any line is sent.
  const ws = new WebSocket(
    `${url.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent('{app="secret"}')}`,
    {
      headers: bearer(tokenA, 'team-b'),
    },
  );
  const status = await new Promise<number>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => resolve(101));
    ws.on('error', () => {});
  });
  ws.terminate();
  assert.equal(status, 403);
});

test('the stream limit cannot be bypassed by changing the header', async () => {
  const t = 'team-b';
  // team-b already has one stream ("secret"); the limit is 2.
  assert.equal((await push('s2', 'x', bearer(tokenB))).status, 204);
  assert.equal((await push('s3', 'x', bearer(tokenB))).status, 429);
  for (const other of ['team-b2', 'fake', 'rotated-1']) {
    assert.equal((await push('s3', 'x', bearer(tokenB, other))).status, 403, other);
  }
  assert.equal((await push('s3', 'x', bearer(tokenB, t))).status, 429);
});

test('rotation without restart: the old token is refused once the file changes, the new one accepted', async () => {
  const rotated = 'rotated-token-of-team-a-99';
  writeFileSync(join(dir, 'next'), `team-a ${rotated}\nteam-b ${tokenB}\n`);
  renameSync(join(dir, 'next'), tokensPath);
  assert.equal((await push('own', 'old token', bearer(tokenA))).status, 401);
  assert.equal((await push('own', 'new token', bearer(rotated))).status, 204);
  assert.deepEqual(await linesOf(await query('{app="own"}', bearer(rotated))), [
    'by team-a, no header',
    'new token',
  ]);
  // A malformed edit keeps the tokens in force.
  writeFileSync(tokensPath, `team-a ${rotated}\nbroken-line\n`);
  assert.equal((await push('own', 'still', bearer(rotated))).status, 204);
  assert.match(reloadErrors[0]?.message ?? '', /tokens:2: expected/);
});
