import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  generatedHeader,
  kubernetesNginxOptions,
  localNginxOptions,
  NginxConfigError,
  readTemplate,
  renderNginxConfig,
} from '../src/render-config.js';
import { nginxTest } from './support/nginx-process.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-nginx-conf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the local configuration passes nginx -t and fills every placeholder', async (t) => {
  const dir = tempDir(t);
  for (const sub of ['run', 'log/nginx', 'data/nginx/tmp']) mkdirSync(join(dir, sub), { recursive: true });
  const text = renderNginxConfig(localNginxOptions({ varDir: dir, port: 18080, upstreamPort: 18081 }));
  assert.doesNotMatch(text, /\{\{/);
  assert.match(text, /listen 127\.0\.0\.1:18080;/);
  assert.match(text, /server 127\.0\.0\.1:18081;/);
  assert.match(text, new RegExp(`access_log ${join(dir, 'log/nginx/access.log')} opsight_json;`));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, text);
  const result = await nginxTest(dir, conf);
  assert.equal(result.code, 0, result.output);
});

test('the Kubernetes configuration passes nginx -t', async (t) => {
  const dir = tempDir(t);
  const options = {
    ...kubernetesNginxOptions({ upstream: '127.0.0.1:8081' }),
    // /tmp and /var/log/nginx of a container, moved into the test directory.
    accessLog: join(dir, 'access.log'),
    pidFile: join(dir, 'nginx.pid'),
    tempDir: dir,
  };
  const text = renderNginxConfig(options);
  assert.match(text, /worker_processes auto;/);
  assert.match(text, /listen 8080;/);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, text);
  const result = await nginxTest(dir, conf);
  assert.equal(result.code, 0, result.output);
});

test('options nginx would misread are refused, naming the field', () => {
  const base = localNginxOptions({ varDir: '/tmp/x', port: 8080, upstreamPort: 8081 });
  const cases: [Partial<typeof base>, string][] = [
    [{ accessLog: '/tmp/a b.log' }, 'accessLog'],
    [{ accessLog: '/tmp/$x' }, 'accessLog'],
    [{ tempDir: '/tmp/x;y' }, 'tempDir'],
    [{ listen: '127.0.0.1:99999' }, 'listen'],
    [{ listen: 'x y' }, 'listen'],
    [{ upstream: 'api;' }, 'upstream'],
    [{ maxBodySize: '1 gigabyte' }, 'maxBodySize'],
    [{ workerProcesses: 0 }, 'workerProcesses'],
    [{ upstreamReadTimeout: 'forever' }, 'upstreamReadTimeout'],
  ];
  for (const [override, field] of cases) {
    assert.throws(
      () => renderNginxConfig({ ...base, ...override }),
      (e: unknown) => e instanceof NginxConfigError && e.field === field,
      field,
    );
  }
});

test('a template with an unknown placeholder is refused', () => {
  const base = localNginxOptions({ varDir: '/tmp/x', port: 8080, upstreamPort: 8081 });
  assert.throws(() => renderNginxConfig(base, `${readTemplate()}\n# {{nope}}\n`), /unknown placeholder/);
});

test('the committed Kubernetes configuration is what the template renders (npm run gen)', () => {
  const committed = readFileSync(new URL('../../kubernetes/nginx.conf', import.meta.url), 'utf8');
  const rendered =
    generatedHeader('platform/gateway/src/bin/render-nginx-config.ts') +
    renderNginxConfig(kubernetesNginxOptions());
  assert.equal(committed, rendered, 'run `npm run gen -w platform/gateway` and commit the result');
});

test('no error body that nginx writes itself interpolates request data (only the trace id)', () => {
  const text = renderNginxConfig(localNginxOptions({ varDir: '/tmp/x', port: 8080, upstreamPort: 8081 }));
  const bodies = [...text.matchAll(/^\s*return \d{3} '([^']*)';/gm)].map((m) => m[1] ?? '');
  assert.ok(bodies.length >= 5, 'the 404, 413, 400, 502 and 504 bodies');
  for (const body of bodies) {
    const variables = [...body.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]);
    assert.deepEqual(
      [...new Set(variables)].filter((v) => v !== 'request_id'),
      [],
      `${body}: $request_id (hex digits) is the only variable a body may carry`,
    );
    JSON.parse(body.replace(/\\n$/, '').replaceAll('$request_id', '0af7651916cd43dd8448eb211c80319c'));
  }
});
