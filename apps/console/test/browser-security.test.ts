// The console's defences in a real browser (Debian's chromium through playwright-core), against fake
// engines that serve what an attacker could plant: an alert whose runbook_url and generatorURL are
// script URLs, a relay notification with a data: runbook. Every page is loaded and must raise no
// Content-Security-Policy violation; a click on the planted link must run nothing; a tenant header sent by
// the page must not reach the log or trace store.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { DASHBOARDS } from '@opsight/dashboards';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type RunningConsole, startConsole } from '../src/server.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM}`;
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const now = () => Date.now() / 1000;

const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
let engines: Server;
let app: RunningConsole;
let browser: Browser;

const alerts = [
  {
    labels: { alertname: 'PlantedRunbook', severity: 'critical' },
    annotations: { summary: 'a runbook link that runs script', runbook_url: 'javascript:alert(1)' },
    generatorURL: 'JaVaScRiPt:alert(2)',
    status: { state: 'active' },
    startsAt: new Date().toISOString(),
  },
  {
    labels: { alertname: 'ObfuscatedRunbook', severity: 'warning' },
    annotations: { summary: 'the same, obfuscated', runbook_url: ' \tjava\nscript:alert(3)' },
    generatorURL: 'data:text/html,<script>alert(4)</script>',
    status: { state: 'active' },
    startsAt: new Date().toISOString(),
  },
  {
    labels: { alertname: 'HonestRunbook', severity: 'warning' },
    annotations: { summary: 'a real runbook', runbook_url: 'https://runbooks.example/HonestRunbook' },
    generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=up',
    status: { state: 'active' },
    startsAt: new Date().toISOString(),
  },
];

/** Answers what each engine's API would, with one series or one item everywhere so every panel draws. */
function answer(url: string): unknown {
  const t = now();
  if (url.startsWith('/api/v2/alerts')) return alerts;
  if (url.startsWith('/v1/inbox'))
    return {
      notifications: [
        {
          id: 'n1',
          receivedAt: new Date().toISOString(),
          route: 'default',
          deliveries: { webhook: { state: 'delivered', attempts: 1 } },
          alerts: [
            {
              status: 'firing',
              labels: { alertname: 'RelayedRunbook', severity: 'critical' },
              annotations: { summary: 'relayed', runbook_url: 'vbscript:msgbox(1)' },
              generatorURL: 'javascript:alert(5)',
            },
          ],
        },
      ],
    };
  if (url.startsWith('/api/v1/rules')) return { status: 'success', data: { groups: [] } };
  if (url.startsWith('/api/v1/query_range'))
    return {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: { job: 'x' },
            values: [
              [t - 60, '1'],
              [t, '2'],
            ],
          },
        ],
      },
    };
  if (url.startsWith('/api/v1/query_exemplars')) return { status: 'success', data: [] };
  if (url.startsWith('/api/v1/query'))
    return {
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { job: 'x' }, value: [t, '0.5'] }] },
    };
  if (url.startsWith('/loki/api/v1/query_range'))
    return {
      status: 'success',
      data: {
        resultType: 'streams',
        result: [
          {
            stream: { app: 'api-service', level: 'INFO' },
            values: [[`${Date.now()}000000`, `{"trace_id":"${TRACE}"}`]],
          },
        ],
      },
    };
  if (url.startsWith(`/api/traces/${TRACE}`))
    return {
      data: [
        {
          traceID: TRACE,
          spans: [
            {
              traceID: TRACE,
              spanID: 'b7ad6b7169203331',
              operationName: 'POST /v1/chat/completions',
              references: [],
              startTime: Date.now() * 1000,
              duration: 1500,
              processID: 'p1',
              tags: [],
              logs: [],
            },
          ],
          processes: { p1: { serviceName: 'api-service', tags: [] } },
        },
      ],
    };
  return { status: 'success', data: [] };
}

before(async () => {
  if (skip) return;
  engines = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer(req.url ?? '')));
  });
  await new Promise<void>((resolve) => engines.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(engines.address() as AddressInfo).port}`;
  app = await startConsole({
    port: 0,
    upstreams: { prometheus: url, loki: url, jaeger: url, alertmanager: url, relay: url },
    stores: { tenant: 'console-tenant' },
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
  engines?.closeAllConnections();
  await new Promise<void>((resolve) => engines?.close(() => resolve()));
});

/** A page that records every CSP violation (the DOM event and chromium's console report) and dialog. */
async function watchedPage(): Promise<{ page: Page; violations: string[]; dialogs: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const violations: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
  // Runs in the page before its own scripts (the browser's DOM, hence a string: this file is Node's).
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      window.reportViolation(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sample));`,
  });
  return { page, violations, dialogs };
}

test('an alert whose runbook_url or generatorURL is a script URL shows it as text; a click runs nothing', {
  skip,
}, async () => {
  const { page, violations, dialogs } = await watchedPage();
  try {
    await page.goto(`${app.url}/#/alerts`);
    await page.locator('#alertmanager-alerts tr[data-alert="PlantedRunbook"]').waitFor();
    await page.locator('#relay-inbox tr[data-alert="RelayedRunbook"]').waitFor();
    const hrefs = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    for (const href of hrefs)
      assert.match(
        href,
        /^(#|https?:\/\/)/,
        `every anchor is http(s) or relative, got ${JSON.stringify(href)}`,
      );
    // Nothing in the DOM carries a script or data URL in any attribute.
    const attributes = await page.$$eval('*', (els) =>
      els.flatMap((el) => [...el.attributes].map((a) => `${el.tagName} ${a.name}=${a.value}`)),
    );
    for (const a of attributes)
      assert.doesNotMatch(a.replace(/^\S+ title=.*/, ''), /(java|vb)\s*script:|data:text/i, a);
    for (const name of ['PlantedRunbook', 'ObfuscatedRunbook', 'RelayedRunbook']) {
      const row = page.locator(`tr[data-alert="${name}"]`).first();
      assert.equal(await row.locator('a').count(), 0, `${name}: no anchor`);
      const text = row.locator('.unsafe-link.runbook');
      assert.equal(await text.textContent(), name, `${name}: the name is shown as text`);
      await text.click();
      await row.locator('.unsafe-link.generator').click();
    }
    const honest = page.locator('tr[data-alert="HonestRunbook"] a.runbook');
    assert.equal(await honest.getAttribute('href'), 'https://runbooks.example/HonestRunbook');
    assert.equal(await honest.getAttribute('rel'), 'noopener noreferrer');
    // If a click had navigated or run script, the page would have left #/alerts or opened a dialog.
    assert.equal(new URL(page.url()).hash, '#/alerts');
    assert.deepEqual(dialogs, []);
    assert.equal(await page.locator('#alertmanager-alerts tr').count(), 4);
    assert.deepEqual(violations, []);
  } finally {
    await page.close();
  }
});

test('the policy holds and is not violated on every page: dashboards, a dashboard, logs, traces, a trace', {
  skip,
}, async () => {
  const { page, violations, dialogs } = await watchedPage();
  try {
    const res = await page.goto(`${app.url}/`);
    assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    assert.equal(res?.headers()['x-frame-options'], 'DENY');
    await page.locator('.card').first().waitFor();
    for (const d of DASHBOARDS) {
      await page.goto(`${app.url}/#/d/${d.uid}`);
      await page.locator('.panel').first().waitFor();
      await page.waitForLoadState('networkidle');
    }
    await page.goto(`${app.url}/#/logs?query=${encodeURIComponent('{app="api-service"}')}`);
    await page.waitForLoadState('networkidle');
    await page.goto(`${app.url}/#/traces`);
    await page.waitForLoadState('networkidle');
    await page.goto(`${app.url}/#/trace/${TRACE}`);
    await page.locator('#trace-logs').waitFor();
    await page.waitForLoadState('networkidle');
    // Styles set from script still apply (through the CSSOM): the waterfall bar has its width.
    const style = await page.$eval('.waterfall [style*="width"]', (el) => el.getAttribute('style') ?? '');
    assert.match(style, /width: [\d.]+%/);
    assert.deepEqual(violations, [], 'no violation from the console itself');
    // What the policy exists for is refused, and reported: this test would see a violation.
    await page.evaluate(`{
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.append(s);
    }`);
    assert.equal(await page.evaluate('window.__inline'), undefined, 'an inline script does not run');
    // The report is an event dispatched after the refusal: wait for it (a few frames), not for a time.
    for (let i = 0; i < 50 && violations.length === 0; i++)
      await page.evaluate('new Promise(requestAnimationFrame)');
    assert.ok(
      violations.some((v) => /script-src/.test(v)),
      `the inline script is reported: ${violations}`,
    );
    assert.deepEqual(dialogs, []);
  } finally {
    await page.close();
  }
});

test('a tenant header sent by the page does not change the tenant the stores see', { skip }, async () => {
  const { page } = await watchedPage();
  try {
    await page.goto(`${app.url}/#/logs`);
    seen.length = 0;
    const statuses = await page.evaluate(async () => {
      const out: number[] = [];
      for (const path of ['/api/loki/labels', '/api/jaeger/services'])
        out.push((await fetch(path, { headers: { 'X-Scope-OrgID': 'victim' } })).status);
      return out;
    });
    assert.deepEqual(statuses, [200, 200]);
    const stores = seen.filter((s) => s.url.startsWith('/loki/') || s.url.startsWith('/api/services'));
    assert.equal(stores.length, 2);
    for (const s of stores) assert.equal(s.headers['x-scope-orgid'], 'console-tenant', s.url);
  } finally {
    await page.close();
  }
});
