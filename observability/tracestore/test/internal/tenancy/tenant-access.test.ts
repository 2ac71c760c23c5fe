// Tenancy by token in the trace store, tried from outside: OTLP/HTTP, OTLP/gRPC and the Jaeger query API.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { TokensFile } from '@opsight/tenant-auth';
import { otlpTypes, traceExportPath } from '../../../src/internal/otlp/otlp-schema.js';
import { TraceStoreServer } from '../../../src/internal/trace-store-server.js';
import { hexId, otlpJsonRequest, otlpProtobufRequest } from '../../support/otlp-request.js';

const tokenA = 'trace-token-of-team-a-000000';
const tokenB = 'trace-token-of-team-b-000000';
const dir = mkdtempSync(join(tmpdir(), 'tracestore-tenancy-'));
const tokensPath = join(dir, 'tokens');
let tokens: TokensFile;
let server: TraceStoreServer;

before(async () => {
  writeFileSync(tokensPath, `team-a ${tokenA}\nteam-b ${tokenB}\n`);
  tokens = new TokensFile(tokensPath, { pollMs: 0, onReloadError: () => {} });
  server = await TraceStoreServer.start({
    dataDir: join(dir, 'data'),
    otlpHttp: '127.0.0.1:0',
    otlpGrpc: '127.0.0.1:0',
    query: '127.0.0.1:0',
    tenantAuth: tokens,
  });
});
after(async () => {
  tokens.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const headers = (token?: string, tenant?: string): Record<string, string> => ({
  ...(token ? { authorization: `Bearer ${token}` } : {}),
  ...(tenant ? { 'x-scope-orgid': tenant } : {}),
});
const exportJson = (traceId: string, h: Record<string, string>) =>
  fetch(`http://${server.addresses.otlpHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...h },
    body: JSON.stringify(otlpJsonRequest([{ traceId, service: 'svc' }])),
  });
const getTrace = (traceId: string, h: Record<string, string>) =>
  fetch(`http://${server.addresses.query}/api/traces/${traceId}`, { headers: h });

function grpcExport(metadata: Record<string, string>): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(server.addresses.otlpGrpc!, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      traceExportPath,
      (b: Buffer) => b,
      (b: Buffer) => otlpTypes.response.decode(b),
      otlpProtobufRequest([{}]),
      md,
      (error) => {
        client.close();
        resolve(error);
      },
    );
  });
}

describe('trace store tenancy', () => {
  it('an X-Scope-OrgID that disagrees with the token is 403 TENANT_MISMATCH (HTTP) / PERMISSION_DENIED (gRPC)', async () => {
    const r = await exportJson(hexId(16), headers(tokenA, 'team-b'));
    assert.equal(r.status, 403);
    const body = (await r.json()) as { error: string; field: string };
    assert.deepEqual([body.error, body.field], ['TENANT_MISMATCH', 'X-Scope-OrgID']);
    assert.equal((await exportJson(hexId(16), headers(undefined, 'team-a'))).status, 401);
    assert.equal((await exportJson(hexId(16), headers(tokenA))).status, 200);
    assert.equal((await grpcExport(headers(tokenA, 'team-b')))?.code, grpc.status.PERMISSION_DENIED);
    assert.equal((await grpcExport(headers()))?.code, grpc.status.UNAUTHENTICATED);
    assert.equal(await grpcExport(headers(tokenA, 'team-a')), null);
    assert.equal((await getTrace(hexId(16), headers(tokenA, 'team-b'))).status, 403);
    assert.equal((await fetch(`http://${server.addresses.query}/api/services`)).status, 401);
  });

  it('/metrics and /ready need no token (Prometheus scrapes them), the query API still does', async () => {
    const q = `http://${server.addresses.query}`;
    assert.equal((await fetch(`${q}/ready`)).status, 200);
    const metrics = await fetch(`${q}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /tracestore_storage_bytes/);
    assert.equal((await fetch(`${q}/api/services?/metrics`)).status, 401);
  });

  it("a token of tenant A cannot read tenant B's traces", async () => {
    const traceB = hexId(16);
    assert.equal((await exportJson(traceB, headers(tokenB))).status, 200);
    assert.equal((await getTrace(traceB, headers(tokenB))).status, 200);
    assert.equal((await getTrace(traceB, headers(tokenA))).status, 404);
    assert.equal((await getTrace(traceB, headers(tokenA, 'team-b'))).status, 403);
    const v3 = await fetch(`http://${server.addresses.query}/api/v3/traces/${traceB}`, {
      headers: headers(tokenA),
    });
    assert.equal(v3.status, 404);
    const search = await fetch(`http://${server.addresses.query}/api/traces?service=svc&start=0`, {
      headers: headers(tokenA),
    });
    const found = ((await search.json()) as { data: Array<{ traceID: string }> }).data.map((t) => t.traceID);
    assert.ok(!found.includes(traceB), 'search as team-a does not see team-b traces');
  });

  it('rotation without restart: the old token is refused once the file changes, the new one accepted', async () => {
    const rotated = 'rotated-trace-token-team-a-0';
    writeFileSync(join(dir, 'next'), `team-a ${rotated}\nteam-b ${tokenB}\n`);
    renameSync(join(dir, 'next'), tokensPath);
    assert.equal((await exportJson(hexId(16), headers(tokenA))).status, 401);
    assert.equal((await exportJson(hexId(16), headers(rotated))).status, 200);
    assert.equal((await grpcExport(headers(tokenA)))?.code, grpc.status.UNAUTHENTICATED);
  });
});
