import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const bin = new URL('../../src/bin/opsight.js', import.meta.url).pathname;

function opsight(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('opsight load runs a scenario against the gateway port and writes the ground truth', async (t) => {
  const varDir = mkdtempSync(join(tmpdir(), 'opsight-load-'));
  let answered = 0;
  const seenKeys = new Set<string>();
  const api = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seenKeys.add(req.headers.authorization ?? '');
      answered++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 3 } }));
    });
  });
  api.listen(0, '127.0.0.1');
  await once(api, 'listening');
  t.after(() => {
    api.closeAllConnections();
    api.close();
    rmSync(varDir, { recursive: true, force: true });
  });
  const port = (api.address() as AddressInfo).port;
  const env = { OPSIGHT_VAR_DIR: varDir, OPSIGHT_PORT_GATEWAY: String(port), OPSIGHT_API_KEY: 'sk-test' };
  const r = await opsight(['load', 'steady', '--rate', '50', '--duration', '300ms', '--models', 'm1'], env);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /requests +\d+/);
  const files = readdirSync(join(varDir, 'loadgen'));
  assert.equal(files.length, 1);
  const truth = JSON.parse(readFileSync(join(varDir, 'loadgen', files[0]!), 'utf8'));
  assert.equal(truth.scenario, 'steady');
  assert.equal(truth.requests.total, answered);
  assert.deepEqual(truth.requests.byStatus, { 200: answered });
  assert.equal(truth.tokens.completion, 3 * answered);
  assert.deepEqual([...seenKeys], ['Bearer sk-test']);
});

test('opsight load refuses bad usage and a missing key', async (t) => {
  const varDir = mkdtempSync(join(tmpdir(), 'opsight-load-'));
  t.after(() => rmSync(varDir, { recursive: true, force: true }));
  const env = { OPSIGHT_VAR_DIR: varDir, OPSIGHT_API_KEY: '' };
  const unknown = await opsight(['load', 'nope'], env);
  assert.equal(unknown.code, 2);
  assert.match(unknown.out, /load takes one scenario \(steady, burst/);
  const rate = await opsight(['load', 'steady', '--rate', 'fast'], env);
  assert.equal(rate.code, 2);
  assert.match(rate.out, /--rate must be a positive number/);
  const duration = await opsight(['load', 'steady', '--duration', 'forever'], env);
  assert.equal(duration.code, 2);
  const noKey = await opsight(['load', 'steady'], env);
  assert.equal(noKey.code, 1);
  assert.match(noKey.out, /no API key/);
});

test('opsight load slow-model sends to chat-large, slowed by its fault switch for the run, then restored', async (t) => {
  const varDir = mkdtempSync(join(tmpdir(), 'opsight-load-'));
  const models = new Set<string>();
  let latencyMs = 200;
  const latencyDuringRun: number[] = [];
  const api = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      models.add(JSON.parse(body).model);
      latencyDuringRun.push(latencyMs);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 3 } }));
    });
  });
  // chat-large's instance: the second model-serving port.
  const serving = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      assert.equal(req.url, '/admin/faults');
      if (req.method === 'POST') latencyMs = JSON.parse(body).latencyMs;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ latencyMs, errorRate: 0 }));
    });
  });
  for (const s of [api, serving]) {
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
  }
  t.after(() => {
    for (const s of [api, serving]) {
      s.closeAllConnections();
      s.close();
    }
    rmSync(varDir, { recursive: true, force: true });
  });
  const env = {
    OPSIGHT_VAR_DIR: varDir,
    OPSIGHT_PORT_GATEWAY: String((api.address() as AddressInfo).port),
    OPSIGHT_PORT_MODEL_SERVING: String((serving.address() as AddressInfo).port - 1),
    OPSIGHT_API_KEY: 'sk-test',
  };
  const r = await opsight(
    ['load', 'slow-model', '--rate', '50', '--duration', '300ms', '--models', 'chat-fast,chat-large'],
    env,
  );
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /chat-large answers 1500 ms slower for this run/);
  assert.deepEqual([...models], ['chat-large']);
  assert.ok(latencyDuringRun.length > 0);
  assert.ok(
    latencyDuringRun.every((ms) => ms === 1700),
    'the added latency is on for the whole run',
  );
  assert.equal(latencyMs, 200, 'the latency found before the run is put back');
});

test('opsight load slow-model without a stack says so and sends nothing', async (t) => {
  const varDir = mkdtempSync(join(tmpdir(), 'opsight-load-'));
  t.after(() => rmSync(varDir, { recursive: true, force: true }));
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  closed.close();
  const r = await opsight(['load', 'slow-model', '--duration', '1s'], {
    OPSIGHT_VAR_DIR: varDir,
    OPSIGHT_PORT_MODEL_SERVING: String(port - 1),
    OPSIGHT_API_KEY: 'sk-test',
  });
  assert.equal(r.code, 1, r.out);
  assert.match(
    r.out,
    /cannot make chat-large slow: GET http:\/\/127\.0\.0\.1:\d+\/admin\/faults: .*\(is the stack up\?\)/,
  );
});
