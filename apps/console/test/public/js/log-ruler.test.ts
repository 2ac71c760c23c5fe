// public/js/log-ruler.js runs in the browser; its pure parts (the click-through URL of a log alert and the
// expression behind an alert) are tested here, and in a real browser by test/browser-rules.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';

interface Alert {
  labels?: Record<string, string>;
  generatorURL?: string;
}
interface LogRuler {
  logQueryHref(expr: unknown, activeAt?: string, now?: number): string | undefined;
  logAlertOrigin(alert: Alert, groups?: unknown[]): { expr?: string; activeAt?: string };
  isLogAlert(alert: Alert): boolean;
}
const modulePath = new URL('../../../../public/js/log-ruler.js', import.meta.url).href;
const { logQueryHref, logAlertOrigin, isLogAlert } = (await import(modulePath)) as LogRuler;

const params = (href: string | undefined) => {
  if (href === undefined || !href.startsWith('#/logs?')) assert.fail(`not a logs link: ${href}`);
  return new URLSearchParams(href.slice('#/logs?'.length));
};

test('the click-through carries the expression as one encoded parameter, whatever it contains', () => {
  const expr = '{app="a"} |= `&from=0&to=1#/alerts?x="><script>alert(1)</script>` | json';
  const at = '2026-12-03T07:00:00Z';
  const now = Date.parse('2026-12-03T07:02:00Z');
  const href = logQueryHref(expr, at, now);
  assert.doesNotMatch(href ?? '', /[<>"`\s]/, 'nothing in the URL is markup or whitespace');
  const p = params(href);
  assert.deepEqual([...p.keys()], ['query', 'from', 'to'], 'the expression adds no parameter of its own');
  assert.equal(p.get('query'), expr);
  assert.equal(Number(p.get('from')), Date.parse(at) - 15 * 60_000);
  assert.equal(Number(p.get('to')), Date.parse(at) + 5 * 60_000, 'at least 5 minutes after activeAt');
  const later = params(logQueryHref(expr, at, Date.parse(at) + 3_600_000));
  assert.equal(Number(later.get('to')), Date.parse(at) + 3_600_000, 'up to now for an alert still active');
});

test('without a usable activeAt the last hour is shown; without an expression there is no link', () => {
  for (const at of [undefined, '', 'yesterday', '0001-01-01T00:00:00Z']) {
    const p = params(logQueryHref('{app="a"}', at));
    assert.equal(p.get('range'), '1h', String(at));
    assert.equal(p.get('from'), null);
  }
  for (const expr of [undefined, '', '   ', 42])
    assert.equal(logQueryHref(expr, '2026-12-03T07:00:00Z'), undefined);
});

test("an alert's expression: its rule's (same name, same labels), else its generatorURL's g0.expr", () => {
  const groups = [
    {
      name: 'g',
      rules: [
        { name: 'Burst', query: 'A', alerts: [{ labels: { alertname: 'Burst', app: 'x' }, activeAt: 't1' }] },
        { name: 'Burst', query: 'B', alerts: [{ labels: { alertname: 'Burst', app: 'y' }, activeAt: 't2' }] },
        { name: 'Quiet', query: 'C', alerts: [] },
      ],
    },
  ];
  const alert = (labels: Record<string, string>, generatorURL?: string) => ({
    labels: { source: 'logs', ...labels },
    generatorURL,
  });
  assert.deepEqual(logAlertOrigin(alert({ alertname: 'Burst', app: 'y' }), groups), {
    expr: 'B',
    activeAt: 't2',
  });
  assert.deepEqual(logAlertOrigin(alert({ alertname: 'Quiet' }), groups), { expr: 'C' });
  assert.deepEqual(
    logAlertOrigin(
      alert({ alertname: 'Gone' }, 'http://127.0.0.1:3100/graph?g0.expr=%7Bapp%3D%22z%22%7D&g0.tab=1'),
      groups,
    ),
    { expr: '{app="z"}' },
  );
  assert.deepEqual(logAlertOrigin(alert({ alertname: 'Gone' }, 'not a url'), groups), {});
  assert.deepEqual(logAlertOrigin(alert({ alertname: 'Gone' })), {});
  assert.equal(isLogAlert(alert({ alertname: 'x' })), true);
  assert.equal(isLogAlert({ labels: { alertname: 'x', source: 'metrics' } }), false);
  assert.equal(isLogAlert({}), false);
});
