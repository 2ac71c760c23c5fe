// The console in a real browser (Debian's chromium through playwright-core) against the whole stack:
// every dashboard, the strategy's three LogQL queries (docs/architecture.md, 2.3), log line → trace → logs,
// alerts. Screenshots go to test-output/console/ for review.
//
// Every panel shows data once loadgen has run (producePanelTraffic); the only panels allowed to show none
// are those noDataExceptions() lists with their reason (GPU panels on a host without a GPU).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startConsole } from '@opsight/console';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ALERTMANAGER, alertmanagerAuth, eventually, port, root, varDir } from '../src/env.js';
import { noDataExceptions, producePanelTraffic } from '../src/panels.js';

const CONSOLE = `http://127.0.0.1:${port(3000)}`;
const LOGSTORE = `http://127.0.0.1:${port(3100)}`;
const OTLP = `http://127.0.0.1:${port(4318)}`;
const SHOTS = join(root, 'test-output', 'console');
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const traceId = hex(16);
const rootSpan = hex(8);
const childSpan = hex(8);
const marker = `console-e2e-${hex(4)}`;
/** The query of the test's log alert: the model-router ERROR line pushed below (quotes, braces and all). */
const logAlertExpr = `{namespace="e2e", app="model-router", level="ERROR"} |= "${marker} upstream"`;
let browser: Browser;
let page: Page;
const cspViolations: string[] = [];

async function promValues(label: string): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${port(9090)}/api/v1/label/${label}/values?match[]=up`);
  return ((await res.json()) as { data: string[] }).data;
}

async function shot(name: string) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await producePanelTraffic();
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const line = (fields: Record<string, unknown>) =>
    JSON.stringify({ timestamp: new Date().toISOString(), trace_id: traceId, span_id: childSpan, ...fields });
  const push = await fetch(`${LOGSTORE}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      streams: [
        {
          stream: { namespace: 'e2e', app: 'model-router', container: 'model-router', level: 'ERROR' },
          values: [
            [
              String(nowNs),
              line({ level: 'ERROR', service: 'model-router', message: `${marker} upstream failed` }),
              { trace_id: traceId },
            ],
          ],
        },
        {
          stream: { namespace: 'e2e', app: 'api-service', container: 'api-service', level: 'INFO' },
          values: [1, 2, 3].map((i) => [
            String(nowNs - BigInt(i) * 1_000_000_000n),
            line({
              level: 'INFO',
              service: 'api-service',
              message: 'request done',
              path: '/v1/chat/completions',
              latency_ms: 10 * i,
              user_id: `u${i}`,
            }),
            { trace_id: traceId },
          ]),
        },
      ],
    }),
  });
  assert.equal(push.status, 204, await push.text());
  const start = nowNs - 50_000_000n;
  const span = (spanId: string, parent: string | undefined, name: string, durNs: bigint) => ({
    traceId,
    spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name,
    kind: parent ? 3 : 2,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + durNs),
    attributes: [{ key: 'e2e.marker', value: { stringValue: marker } }],
    status: parent ? { code: 2, message: 'upstream failed' } : {},
  });
  const resource = (service: string) => ({
    attributes: [{ key: 'service.name', value: { stringValue: service } }],
  });
  const otlp = await fetch(`${OTLP}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: resource('e2e-gateway'),
          scopeSpans: [{ spans: [span(rootSpan, undefined, 'POST /v1/chat/completions', 40_000_000n)] }],
        },
        {
          resource: resource('e2e-router'),
          scopeSpans: [{ spans: [span(childSpan, rootSpan, 'Route', 30_000_000n)] }],
        },
      ],
    }),
  });
  assert.equal(otlp.status, 200, await otlp.text());
  const alert = await fetch(`${ALERTMANAGER}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...alertmanagerAuth() },
    body: JSON.stringify([
      {
        labels: { alertname: 'ConsoleE2E', severity: 'warning' },
        annotations: { summary: `${marker} alert` },
      },
      // As the log store's ruler sends a log alert: source="logs", its LogQL in the generatorURL.
      {
        labels: { alertname: 'ConsoleE2ELogs', severity: 'warning', source: 'logs' },
        annotations: { summary: `${marker} log alert` },
        generatorURL: `${LOGSTORE}/graph?g0.expr=${encodeURIComponent(logAlertExpr)}&g0.tab=1`,
      },
    ]),
  });
  assert.equal(alert.status, 200, await alert.text());
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  // Chromium reports each Content-Security-Policy refusal on the console; the last test asserts none.
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
});

after(async () => {
  await browser?.close();
});

test('the console answers on its port and paints its first page', async () => {
  await page.goto(`${CONSOLE}/`);
  await page.waitForSelector('a.card[data-uid="opsight-gateway"]');
  const paint = await page.evaluate(
    () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
  );
  console.log(`first contentful paint: ${paint.toFixed(0)} ms (target ≤ 1000 ms)`);
  assert.equal(await page.locator('a.card').count(), 8);
  await shot('00-dashboards');
});

test('every dashboard renders every panel, each with data', async () => {
  const exceptions = noDataExceptions();
  const list = (await (await fetch(`${CONSOLE}/api/dashboards`)).json()) as { uid: string; title: string }[];
  for (const [i, d] of list.entries()) {
    const model = (await (await fetch(`${CONSOLE}/api/dashboards/${d.uid}`)).json()) as {
      panels: { title: string }[];
    };
    await page.goto(`${CONSOLE}/#/d/${d.uid}?range=15m&refresh=off`);
    await page.waitForSelector(`main h1:text-is("${d.title}")`);
    const loaded = async () => {
      // A function, not a string: the console's Content-Security-Policy forbids eval.
      await page.waitForFunction(
        (count) => {
          type Panel = { dataset: Record<string, string | undefined> };
          const { document } = globalThis as unknown as {
            document: { querySelectorAll(selector: string): ArrayLike<Panel> };
          };
          const panels = Array.from(document.querySelectorAll('section.panel'));
          return panels.length === count && panels.every((p) => p.dataset.state !== 'loading');
        },
        model.panels.length,
        { timeout: 30_000 },
      );
      return page.$$eval('section.panel', (els) =>
        els.map((e) => ({
          title: e.querySelector('h3')?.textContent ?? '',
          state: e.getAttribute('data-state') ?? '',
          text: e.textContent ?? '',
        })),
      );
    };
    let states = await loaded();
    // A series may be a scrape or two from existing: refresh until every panel that must have data has
    // it (a panel that never gets it fails below).
    const mustHaveData = model.panels.map((p) => p.title).filter((t) => !(`${d.uid} / ${t}` in exceptions));
    const ready = () => mustHaveData.every((t) => states.find((x) => x.title === t)?.state === 'data');
    for (let tries = 0; !ready() && tries < 30; tries++) {
      await new Promise((r) => setTimeout(r, 1000));
      await page.click('button:text-is("Refresh now")');
      states = await loaded();
    }
    assert.deepEqual(
      states.map((s) => s.title),
      model.panels.map((p) => p.title),
      d.uid,
    );
    for (const s of states) assert.notEqual(s.state, 'error', `${d.uid} / ${s.title}: ${s.text}`);
    for (const title of mustHaveData) {
      const s = states.find((x) => x.title === title);
      assert.equal(s?.state, 'data', `${d.uid} / ${title} shows no data`);
    }
    await shot(`${String(i + 1).padStart(2, '0')}-${d.uid}`);
  }
});

test('dashboard variables list values from Prometheus and the choice reaches the queries', async () => {
  await page.goto(`${CONSOLE}/#/d/opsight-data-stores?range=15m&refresh=off`);
  await page.waitForSelector('main h1:text-is("Data stores")');
  const select = page.locator('select[name="var-namespace"]');
  await eventually('namespace options', async () => (await select.locator('option').count()) > 1);
  const options = await select.locator('option').allTextContents();
  assert.equal(options[0], 'All');
  const values = await promValues('namespace');
  assert.deepEqual(options.slice(1).sort(), values.sort(), 'the namespaces Prometheus knows');
  const chosen = options[1] as string;
  await select.selectOption(chosen);
  assert.match(page.url(), new RegExp(`var-namespace=${chosen}`));
  await page.waitForSelector('section.panel[data-state="data"]');
});

async function runQuery(query: string) {
  await page.goto(`${CONSOLE}/#/logs`);
  await page.fill('textarea[name="query"]', query);
  await page.selectOption('select[name="range"]', '1h');
  await page.click('#run-query');
}

test("the explorer runs the strategy's three LogQL queries", async () => {
  await runQuery('{app="model-router", level="ERROR"}');
  await page.waitForSelector(`.logline:has-text("${marker}")`);
  await shot('20-logs-router-errors');

  await runQuery(`{trace_id="${traceId}"}`);
  await page.waitForSelector(`.logline:has-text("${marker}")`);
  assert.equal(await page.locator('.logline').count(), 4, 'the error line and three api-service lines');
  await shot('21-logs-by-trace');

  await runQuery('sum(rate({app="api-service"} | json | unwrap latency_ms [1m])) by (path)');
  await page.waitForSelector('#log-results .legend span:has-text("/v1/chat/completions")');
  await page.waitForSelector('#log-results svg path', { state: 'attached' });
  await shot('22-logs-latency-by-path');
});

test('a LogQL syntax error is shown where it is', async () => {
  await runQuery('{app="api-service"} | json | unwrap');
  const err = page.locator('.syntax-error');
  await err.waitFor();
  const offset = Number(await err.getAttribute('data-offset'));
  assert.ok(offset >= 28, `offset ${offset}`);
  assert.match((await err.textContent()) ?? '', /Syntax error/);
  assert.equal(await page.locator('.logline').count(), 0);
  await shot('23-logs-syntax-error');
});

test('live tail shows a line pushed after it started', async () => {
  await runQuery(`{namespace="e2e", app="model-router"} |= "tail-${marker}"`);
  await page.waitForSelector('#log-status');
  await page.check('input[name="tail"]');
  const ns = String(BigInt(Date.now()) * 1_000_000n);
  const push = await fetch(`${LOGSTORE}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      streams: [
        {
          stream: { namespace: 'e2e', app: 'model-router', container: 'model-router', level: 'INFO' },
          values: [[ns, `tail-${marker} live`]],
        },
      ],
    }),
  });
  assert.equal(push.status, 204);
  await page.waitForSelector(`.logline:has-text("tail-${marker} live")`, { timeout: 20_000 });
  await page.uncheck('input[name="tail"]');
});

test("log line → its trace → the trace's logs", async () => {
  await runQuery('{app="model-router", level="ERROR"}');
  const line = page.locator(`.logline:has-text("${marker}")`);
  await line.waitFor();
  assert.equal(await line.getAttribute('data-trace-id'), traceId);
  await line.locator('a.to-trace').click();
  await page.waitForSelector(`h1:has-text("Trace ${traceId}")`);
  await page.waitForSelector('.waterfall .row >> nth=1');
  const rows = await page.locator('.waterfall .row').allTextContents();
  assert.ok(
    rows[0]?.includes('e2e-gateway') && rows[0].includes('POST /v1/chat/completions'),
    rows.join(' | '),
  );
  assert.ok(rows[1]?.includes('e2e-router') && rows[1].includes('Route'), rows.join(' | '));
  assert.equal(await page.locator('.waterfall .span.err').count(), 1, 'the failed span is marked');
  await page.click(`.waterfall .row[data-span-id="${childSpan}"]`);
  await page.waitForSelector(`#span-details:has-text("${marker}")`);
  await shot('30-trace-waterfall');
  await page.click('#trace-logs');
  await page.waitForSelector(`.logline:has-text("${marker}")`);
  assert.equal(await page.inputValue('textarea[name="query"]'), `{trace_id="${traceId}"}`);
  await shot('31-trace-logs');
});

test('trace search finds the trace and the service graph shows the call', async () => {
  await page.goto(`${CONSOLE}/#/traces?service=e2e-gateway&lookback=1h`);
  await page.waitForSelector(`tr[data-trace-id="${traceId}"]`);
  await page.waitForSelector('#service-graph text.node:text-is("e2e-router")');
  await shot('40-traces');
});

test('alerts show what Alertmanager holds, the relay inbox and the loaded rules', async () => {
  await page.goto(`${CONSOLE}/#/alerts`);
  const row = page.locator('#alertmanager-alerts tr[data-alert="ConsoleE2E"]');
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', new RegExp(`firing.*warning.*${marker} alert`));
  await page.waitForSelector('#alert-rules table, #alert-rules [data-empty]');
  assert.equal(await page.locator('#alert-rules .error').count(), 0);
  // Alertmanager hands the alert to the relay after its group_wait: reload until the inbox has it.
  const inboxRow = page.locator('#relay-inbox tr[data-alert="ConsoleE2E"]').first();
  await eventually(
    'the ConsoleE2E notification in the relay inbox on the alerts page',
    async () => {
      await page.reload();
      await page.waitForSelector('#relay-inbox[data-relay]');
      return (await inboxRow.count()) > 0;
    },
    60_000,
  );
  assert.equal(await page.getAttribute('#relay-inbox', 'data-relay'), 'reachable');
  assert.match(
    (await inboxRow.textContent()) ?? '',
    new RegExp(`firing.*ConsoleE2E.*warning.*${marker} alert.*ticket.*inbox: delivered`),
  );
  await shot('50-alerts');
});

test('each alert shows its source; a log alert opens the log query that fired it', async () => {
  await page.goto(`${CONSOLE}/#/alerts`);
  const metrics = page.locator('#alertmanager-alerts tr[data-alert="ConsoleE2E"]');
  const logs = page.locator('#alertmanager-alerts tr[data-alert="ConsoleE2ELogs"]');
  await logs.locator('a.log-query').waitFor();
  assert.equal(await metrics.getAttribute('data-source'), 'metrics');
  assert.equal(await logs.getAttribute('data-source'), 'logs');
  assert.equal(await metrics.locator('a.log-query').count(), 0);
  // The log store's own alerts: a table when it has a ruler, a notice when it has none; never an error.
  await page.waitForSelector('#log-alerts[data-state="ok"], #log-alerts[data-state="no-ruler"]');
  await shot('52-alerts-sources');
  await logs.locator('a.log-query').click();
  await page.waitForSelector(`.logline:has-text("${marker} upstream failed")`);
  assert.equal(await page.inputValue('textarea[name="query"]'), logAlertExpr);
  assert.equal(await page.inputValue('select[name="range"]'), 'fixed');
  await shot('53-log-alert-query');
});

test("the rules view lists Prometheus's rules and the log store's (or says it has no ruler)", async () => {
  await page.goto(`${CONSOLE}/#/rules`);
  await page.waitForSelector('#prometheus-rules tr[data-rule][data-source="metrics"]');
  assert.equal(await page.locator('#prometheus-rules .error').count(), 0);
  const health = await page.$$eval('#prometheus-rules tr[data-rule]', (rows) =>
    rows.map((r) => r.getAttribute('data-health')),
  );
  assert.ok(health.length > 10, `${health.length} rules`);
  assert.ok(
    health.every((h) => h === 'ok' || h === 'unknown'),
    `every rule evaluates: ${health.join(',')}`,
  );
  await page.waitForSelector('#log-rules[data-state="ok"], #log-rules[data-state="no-ruler"]');
  if ((await page.getAttribute('#log-rules', 'data-state')) === 'ok')
    assert.equal(await page.locator('#log-rules .error').count(), 0);
  await shot('54-rules');
});

test('with the relay down the alerts page says so and still shows Alertmanager', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const noRelay = await startConsole({
    port: 0,
    upstreams: {
      prometheus: `http://127.0.0.1:${port(9090)}`,
      loki: LOGSTORE,
      jaeger: `http://127.0.0.1:${port(16686)}`,
      alertmanager: ALERTMANAGER,
      relay: `http://127.0.0.1:${deadPort}`,
    },
    alertmanager: { username: 'opsight', passwordFile: join(varDir, 'secrets', 'alertmanager') },
  });
  try {
    await page.goto(`${noRelay.url}/#/alerts`);
    await page.waitForSelector('#relay-inbox[data-relay="unreachable"] .error');
    assert.match(
      (await page.textContent('#relay-inbox')) ?? '',
      new RegExp(`Alert relay unreachable: relay at http://127\\.0\\.0\\.1:${deadPort}`),
    );
    await page.waitForSelector('#alertmanager-alerts tr[data-alert="ConsoleE2E"]');
    await page.waitForSelector('#alert-rules table');
    await shot('51-alerts-relay-down');
  } finally {
    await noRelay.close();
  }
});

test('an exemplar on a time series opens its trace', async () => {
  // The stack's own targets expose no exemplars (the platform services that record them come later), so
  // a second console reads a Prometheus stand-in whose one exemplar carries this test's trace id, and the
  // real trace store.
  const now = Math.floor(Date.now() / 1000);
  const prometheus = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const data = path.endsWith('/query_exemplars')
      ? [
          {
            seriesLabels: {},
            exemplars: [{ labels: { trace_id: traceId }, value: '0.5', timestamp: now - 60 }],
          },
        ]
      : path.endsWith('/query_range')
        ? {
            resultType: 'matrix',
            result: [
              {
                metric: {},
                values: [
                  [now - 120, '0.2'],
                  [now - 60, '0.5'],
                  [now, '0.3'],
                ],
              },
            ],
          }
        : path.endsWith('/query')
          ? { resultType: 'vector', result: [{ metric: {}, value: [now, '0.3'] }] }
          : [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data }));
  });
  await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
  const stub = await startConsole({
    port: 0,
    upstreams: {
      prometheus: `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`,
      loki: LOGSTORE,
      jaeger: `http://127.0.0.1:${port(16686)}`,
      alertmanager: ALERTMANAGER,
    },
  });
  try {
    await page.goto(`${stub.url}/#/d/opsight-gateway?range=15m&refresh=off`);
    const exemplar = page.locator(`a.exemplar[data-trace-id="${traceId}"]`).first();
    await exemplar.waitFor({ state: 'attached' });
    await shot('10-exemplar');
    await exemplar.dispatchEvent('click');
    await page.waitForSelector(`h1:has-text("Trace ${traceId}")`);
    await page.waitForSelector(`.waterfall .row[data-span-id="${rootSpan}"]`);
  } finally {
    await stub.close();
    prometheus.closeAllConnections();
    await new Promise<void>((resolve) => prometheus.close(() => resolve()));
  }
});

test('every page above ran under the strict Content-Security-Policy without one violation', async () => {
  const res = await fetch(`${CONSOLE}/`);
  await res.arrayBuffer();
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.deepEqual(cspViolations, []);
});
