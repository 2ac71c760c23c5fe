// The rules view and the log alerts' click-through in a real browser (Debian's chromium through
// playwright-core), against a fake Prometheus, Alertmanager and a fake log-store ruler that answer in the
// shapes of Prometheus's and Loki's rules APIs (`/api/v1/rules`; Loki's `/prometheus/api/v1/rules` and
// `/prometheus/api/v1/alerts`, the Prometheus format with LogQL in `query`). A log rule's expression carries
// HTML and URL syntax: it must reach the logs view's query box and the log store as the same text, and
// never become markup. A log store without a ruler (404) and one that is down show a notice each.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type RunningConsole, startConsole } from '../src/server.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM}`;

const activeAt = new Date(Date.now() - 3 * 60_000).toISOString();
const lastEvaluation = new Date(Date.now() - 20_000).toISOString();
/** A LogQL expression with markup and URL syntax in its line filter. */
const HOSTILE = '"><img src=x onerror=alert(1)>&to=0#/alerts?query=%22';
const burstExpr = `sum by (namespace, app) (count_over_time({app="model-router", level="ERROR"} |= \`${HOSTILE}\` [5m])) > 10`;
const logAlertLabels = {
  alertname: 'ModelRouterErrorLogs',
  namespace: 'platform',
  app: 'model-router',
  severity: 'page',
  source: 'logs',
};

/** Loki's ruler, Prometheus format: one group per namespace file, alerting and recording rules. */
const logRules = {
  status: 'success',
  data: {
    groups: [
      {
        name: 'platform-log-alerts',
        file: 'platform',
        interval: 60,
        limit: 0,
        evaluationTime: 0.0021,
        lastEvaluation,
        rules: [
          {
            state: 'firing',
            name: 'ModelRouterErrorLogs',
            query: burstExpr,
            duration: 180,
            keepFiringFor: 0,
            labels: { severity: 'page', source: 'logs' },
            annotations: { summary: 'model-router logs a burst of errors' },
            alerts: [
              {
                labels: logAlertLabels,
                annotations: { summary: 'model-router logs a burst of errors' },
                state: 'firing',
                activeAt,
                value: '2.4e+01',
              },
            ],
            health: 'ok',
            evaluationTime: 0.0012,
            lastEvaluation,
            type: 'alerting',
          },
          {
            state: 'inactive',
            name: 'LogRuleWithError',
            query: 'sum(rate({app="api-service"} | json | unwrap latency_ms [5m])) > 1',
            duration: 0,
            labels: { severity: 'ticket', source: 'logs' },
            annotations: {},
            alerts: [],
            health: 'err',
            lastError: 'max_query_series limit exceeded (500)',
            evaluationTime: 0.03,
            lastEvaluation,
            type: 'alerting',
          },
        ],
      },
      {
        name: 'log-volume',
        file: 'platform',
        interval: 60,
        lastEvaluation,
        evaluationTime: 0.001,
        rules: [
          {
            name: 'namespace_app:log_errors:rate5m',
            query: 'sum by (namespace, app) (rate({namespace=~".+", level="ERROR"}[5m]))',
            labels: {},
            health: 'ok',
            evaluationTime: 0.0005,
            lastEvaluation,
            type: 'recording',
          },
        ],
      },
    ],
  },
};

const logAlerts = {
  status: 'success',
  data: {
    alerts: [
      {
        labels: logAlertLabels,
        annotations: { summary: 'model-router logs a burst of errors' },
        state: 'firing',
        activeAt,
        value: '2.4e+01',
      },
    ],
  },
};

const promRules = {
  status: 'success',
  data: {
    groups: [
      {
        name: 'strategy-alerts',
        file: '/etc/prometheus/rules/alerts.yml',
        interval: 15,
        rules: [
          {
            state: 'inactive',
            name: 'HighErrorRate',
            query:
              'sum(rate(nginx_http_requests_total{status=~"5.."}[1m])) / sum(rate(nginx_http_requests_total[1m])) > 0.05',
            duration: 300,
            labels: { severity: 'critical' },
            annotations: {},
            alerts: [],
            health: 'ok',
            evaluationTime: 0.0007,
            lastEvaluation,
            type: 'alerting',
          },
          {
            name: 'cluster:nginx_http_requests:rate1m',
            query: 'sum(rate(nginx_http_requests_total[1m]))',
            health: 'ok',
            evaluationTime: 0.0003,
            lastEvaluation,
            type: 'recording',
          },
        ],
      },
    ],
  },
};

const amAlerts = [
  {
    labels: logAlertLabels,
    annotations: { summary: 'model-router logs a burst of errors' },
    // What the log store's ruler sends; the console takes the expression from its rules first.
    generatorURL: `http://127.0.0.1:3100/graph?g0.expr=${encodeURIComponent(burstExpr)}&g0.tab=1`,
    status: { state: 'active' },
    startsAt: activeAt,
  },
  {
    labels: { alertname: 'HighErrorRate', severity: 'critical' },
    annotations: { summary: 'too many 5xx' },
    generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=up',
    status: { state: 'active' },
    startsAt: activeAt,
  },
];

/** `ok`: the log store has a ruler; `none`: it answers 404 on the ruler's paths, as a store without one. */
let rulerMode: 'ok' | 'none' = 'ok';
const lokiQueries: URLSearchParams[] = [];
let engines: Server;
let app: RunningConsole;
let appStoreDown: RunningConsole;
let browser: Browser;

function answer(url: URL): [number, unknown] {
  const p = url.pathname;
  if (p.startsWith('/prometheus/api/v1/') && rulerMode === 'none') return [404, '404 page not found\n'];
  if (p === '/prometheus/api/v1/rules') return [200, logRules];
  if (p === '/prometheus/api/v1/alerts') return [200, logAlerts];
  if (p === '/api/v1/rules') return [200, promRules];
  if (p === '/api/v2/alerts') return [200, amAlerts];
  if (p === '/loki/api/v1/query_range') {
    lokiQueries.push(url.searchParams);
    return [200, { status: 'success', data: { resultType: 'matrix', result: [] } }];
  }
  return [200, { status: 'success', data: [] }];
}

before(async () => {
  if (skip) return;
  engines = createServer((req, res) => {
    req.resume();
    const [status, body] = answer(new URL(req.url ?? '/', 'http://engine'));
    const text = typeof body === 'string';
    res.writeHead(status, { 'content-type': text ? 'text/plain' : 'application/json' });
    res.end(text ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => engines.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(engines.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const down = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  app = await startConsole({
    port: 0,
    upstreams: { prometheus: url, loki: url, jaeger: url, alertmanager: url },
  });
  appStoreDown = await startConsole({
    port: 0,
    upstreams: { prometheus: url, loki: down, jaeger: url, alertmanager: url },
    upstreamTimeoutMs: 2000,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await app?.close();
  await appStoreDown?.close();
  engines?.closeAllConnections();
  await new Promise<void>((resolve) => engines?.close(() => resolve()));
});

/** A page that records CSP reports, dialogs and page errors: a planted script would show in one of them. */
async function watchedPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return { page, problems };
}

const texts = (page: Page, selector: string) =>
  page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').trim()));

test('the rules view lists the rules of both rulers with state, health, last evaluation and last error', {
  skip,
}, async () => {
  rulerMode = 'ok';
  const { page, problems } = await watchedPage();
  try {
    await page.goto(`${app.url}/#/rules`);
    await page.locator('#log-rules tr[data-rule]').first().waitFor();
    await page.locator('#prometheus-rules tr[data-rule]').first().waitFor();
    assert.equal(await page.locator('nav a.active').textContent(), 'Rules');
    assert.deepEqual(await texts(page, '#prometheus-rules tr[data-rule] td:nth-child(2)'), [
      'HighErrorRate',
      'cluster:nginx_http_requests:rate1m',
    ]);
    assert.deepEqual(await texts(page, '#log-rules tr[data-rule] td:nth-child(2)'), [
      'ModelRouterErrorLogs',
      'LogRuleWithError',
      'namespace_app:log_errors:rate5m',
    ]);
    assert.equal(
      await page.locator('#log-rules .rules-summary').textContent(),
      '3 rules: 2 alerting (1 firing), 1 recording; 1 failing to evaluate',
    );
    assert.equal(
      await page.locator('#prometheus-rules .rules-summary').textContent(),
      '2 rules: 1 alerting, 1 recording',
    );
    const row = (source: string, name: string) =>
      page.locator(`tr[data-source="${source}"][data-rule="${name}"]`);
    // State, health, last evaluation, last error.
    assert.match(
      (await row('logs', 'ModelRouterErrorLogs').locator('td').nth(0).textContent()) ?? '',
      /firing 1 active/,
    );
    assert.equal(await row('logs', 'LogRuleWithError').getAttribute('data-health'), 'err');
    assert.equal(
      await row('logs', 'LogRuleWithError').locator('.last-error').textContent(),
      'max_query_series limit exceeded (500)',
    );
    assert.match(
      (await row('logs', 'ModelRouterErrorLogs').locator('td').nth(4).textContent()) ?? '',
      /^\d+s ago$/,
    );
    assert.equal(await row('logs', 'namespace_app:log_errors:rate5m').getAttribute('data-type'), 'recording');
    assert.equal(await row('metrics', 'HighErrorRate').locator('td').nth(0).textContent(), 'ok');
    assert.equal(await row('metrics', 'HighErrorRate').locator('td').nth(3).textContent(), 'ok');
    // A log rule's query is shown as text and links to the logs view; a metric rule's is text only.
    const logQuery = row('logs', 'ModelRouterErrorLogs').locator('a.log-query');
    assert.equal(await logQuery.textContent(), burstExpr);
    assert.match((await logQuery.getAttribute('href')) ?? '', /^#\/logs\?query=/);
    assert.equal(await row('metrics', 'HighErrorRate').locator('a').count(), 0);
    assert.equal(await page.locator('img').count(), 0, 'no markup from a rule expression');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('a log alert shows its source and opens its LogQL expression in the logs view, around activeAt', {
  skip,
}, async () => {
  rulerMode = 'ok';
  const { page, problems } = await watchedPage();
  try {
    await page.goto(`${app.url}/#/alerts`);
    const amLog = page.locator('#alertmanager-alerts tr[data-alert="ModelRouterErrorLogs"]');
    await amLog.locator('a.log-query').waitFor();
    await page.locator('#log-alerts tr[data-alert="ModelRouterErrorLogs"]').waitFor();
    assert.equal(await amLog.getAttribute('data-source'), 'logs');
    assert.equal(await amLog.locator('.badge.source').textContent(), 'logs');
    const amMetric = page.locator('#alertmanager-alerts tr[data-alert="HighErrorRate"]');
    assert.equal(await amMetric.getAttribute('data-source'), 'metrics');
    assert.equal(await amMetric.locator('.badge.source').textContent(), 'metrics');
    assert.equal(await amMetric.locator('a.log-query').count(), 0, 'a metric alert has no log query');
    assert.match(
      (await page.locator('#log-alerts tr[data-alert="ModelRouterErrorLogs"]').textContent()) ?? '',
      /firing.*page.*model-router logs a burst of errors.*2\.4e\+01/,
    );

    lokiQueries.length = 0;
    await amLog.locator('a.log-query').click();
    await page.locator('textarea[name="query"]').waitFor();
    assert.match(new URL(page.url()).hash, /^#\/logs\?/);
    // The expression arrives as the query box's text, byte for byte, and goes to the log store as is.
    assert.equal(await page.locator('textarea[name="query"]').inputValue(), burstExpr);
    for (let i = 0; i < 100 && lokiQueries.length === 0; i++) await page.waitForTimeout(50);
    const sent = lokiQueries.at(-1);
    assert.ok(sent, 'the logs view ran the query');
    assert.equal(sent.get('query'), burstExpr);
    const startMs = Number(BigInt(sent.get('start') ?? '0') / 1_000_000n);
    const endMs = Number(BigInt(sent.get('end') ?? '0') / 1_000_000n);
    const at = Date.parse(activeAt);
    assert.ok(Math.abs(startMs - (at - 15 * 60_000)) < 2000, `starts 15 minutes before activeAt: ${startMs}`);
    assert.ok(endMs >= at + 5 * 60_000 - 2000, `ends at least 5 minutes after activeAt: ${endMs}`);
    assert.match(await page.locator('select[name="range"]').inputValue(), /^fixed$/);
    assert.equal(await page.locator('img').count(), 0, 'no markup from the expression');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('a log store without a ruler and one that is down each show a notice; the rest of the page works', {
  skip,
}, async () => {
  const { page, problems } = await watchedPage();
  try {
    rulerMode = 'none';
    await page.goto(`${app.url}/#/rules`);
    await page.locator('#log-rules[data-state="no-ruler"]').waitFor();
    assert.equal(
      await page.locator('#log-rules').textContent(),
      'The log store has no ruler (it answered 404).',
    );
    await page.locator('#prometheus-rules tr[data-rule="HighErrorRate"]').waitFor();
    await page.goto(`${app.url}/#/alerts`);
    await page.locator('#log-alerts[data-state="no-ruler"]').waitFor();
    // Without the ruler's rules, the expression comes from the alert's generatorURL.
    const link = page.locator('#alertmanager-alerts tr[data-alert="ModelRouterErrorLogs"] a.log-query');
    await link.waitFor();
    const href = new URLSearchParams(((await link.getAttribute('href')) ?? '').split('?')[1]);
    assert.equal(href.get('query'), burstExpr);

    rulerMode = 'ok';
    await page.goto(`${appStoreDown.url}/#/rules`);
    await page.locator('#log-rules[data-state="unreachable"]').waitFor();
    assert.match(
      (await page.locator('#log-rules').textContent()) ?? '',
      /^Log store unreachable: loki at http/,
    );
    await page.locator('#prometheus-rules tr[data-rule="HighErrorRate"]').waitFor();
    await page.goto(`${appStoreDown.url}/#/alerts`);
    await page.locator('#log-alerts[data-state="unreachable"]').waitFor();
    await page.locator('#alertmanager-alerts tr[data-alert="HighErrorRate"]').waitFor();
    assert.deepEqual(problems, []);
  } finally {
    rulerMode = 'ok';
    await page.close();
  }
});
