import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupEvaluator, type VectorSample } from '../../src/ruler/group-evaluator.js';
import type { AlertingRuleDef, RecordingRuleDef, RuleGroupDef } from '../../src/ruler/rule-file.js';

const MIN = 60_000;
const position = { line: 1, column: 1 };

function alertRule(over: Partial<AlertingRuleDef> = {}): AlertingRuleDef {
  return {
    kind: 'alert',
    name: 'Errors',
    expr: 'errors',
    forMs: 5 * MIN,
    keepFiringForMs: 0,
    labels: { severity: 'page' },
    annotations: { summary: '{{ $labels.app }} logs {{ $value }} errors/s' },
    position,
    ...over,
  };
}

const group = (rules: RuleGroupDef['rules'], limit = 0): RuleGroupDef => ({
  name: 'g',
  limit,
  rules,
  position,
});

/** A query whose answer at each minute is given by `at(minute)`. */
function scripted(at: (minute: number) => VectorSample[] | Error) {
  return async (_expr: string, timeMs: number) => {
    const r = at(timeMs / MIN);
    if (r instanceof Error) throw r;
    return r;
  };
}

const app = (value: number): VectorSample[] => [{ labels: { app: 'router' }, value }];

async function states(ev: GroupEvaluator, minutes: number[]): Promise<string[]> {
  const out: string[] = [];
  for (const m of minutes) {
    await ev.evaluate(m * MIN);
    out.push(
      ev
        .activeAlerts()
        .map((a) => a.state)
        .join(',') || '-',
    );
  }
  return out;
}

test('an alert is pending until `for` has passed since it became active, and fires exactly at it', async () => {
  const ev = new GroupEvaluator(group([alertRule()]), { query: scripted((m) => (m >= 2 ? app(3) : [])) });
  assert.deepEqual(await states(ev, [0, 1, 2, 3, 6, 7, 8]), [
    '-',
    '-',
    'pending',
    'pending',
    'pending',
    'firing',
    'firing',
  ]);
  const [alert] = ev.activeAlerts('Errors');
  assert.equal(alert?.activeAtMs, 2 * MIN);
  assert.equal(alert?.firedAtMs, 7 * MIN);
  assert.deepEqual(alert?.labels, { app: 'router', severity: 'page', alertname: 'Errors' });
  assert.deepEqual(alert?.annotations, { summary: 'router logs 3 errors/s' });
});

test('with for: 0 an alert fires at the first evaluation that returns it', async () => {
  const ev = new GroupEvaluator(group([alertRule({ forMs: 0 })]), {
    query: scripted((m) => (m >= 1 ? app(1) : [])),
  });
  assert.deepEqual(await states(ev, [0, 1]), ['-', 'firing']);
});

test('a pending alert whose expression stops returning it is dropped, never resolved', async () => {
  const ev = new GroupEvaluator(group([alertRule()]), {
    query: scripted((m) => (m >= 1 && m < 5 ? app(2) : [])),
  });
  assert.deepEqual(await states(ev, [1, 4, 5, 6]), ['pending', 'pending', '-', '-']);
  assert.deepEqual(ev.alerts()[0]?.alerts, []);
  const out = await ev.evaluate(7 * MIN);
  assert.deepEqual(out.samples, []);
  assert.deepEqual(ev.alertsToSend(7 * MIN, MIN, MIN), []);
});

test('a pending alert that comes back starts its `for` again', async () => {
  const ev = new GroupEvaluator(group([alertRule()]), { query: scripted((m) => (m === 3 ? [] : app(2))) });
  assert.deepEqual(await states(ev, [0, 2, 3, 4, 8, 9]), [
    'pending',
    'pending',
    '-',
    'pending',
    'pending',
    'firing',
  ]);
  assert.equal(ev.activeAlerts()[0]?.activeAtMs, 4 * MIN);
});

test('a firing alert resolves when its expression stops returning it, is kept 15 minutes, then dropped', async () => {
  const ev = new GroupEvaluator(group([alertRule({ forMs: 0 })]), {
    query: scripted((m) => (m < 2 ? app(2) : [])),
  });
  assert.deepEqual(await states(ev, [0, 1, 2]), ['firing', 'firing', '-']);
  const [held] = ev.alerts()[0]!.alerts;
  assert.equal(held?.state, 'inactive');
  assert.equal(held?.resolvedAtMs, 2 * MIN);
  await ev.evaluate(17 * MIN);
  assert.equal(ev.alerts()[0]!.alerts.length, 1, 'kept for the 15 minutes of resolved retention');
  await ev.evaluate(18 * MIN);
  assert.equal(ev.alerts()[0]!.alerts.length, 0);
});

test('keep_firing_for holds a firing alert after the expression clears, and only that long', async () => {
  const rule = alertRule({ forMs: 0, keepFiringForMs: 3 * MIN });
  const ev = new GroupEvaluator(group([rule]), { query: scripted((m) => (m < 2 ? app(2) : [])) });
  assert.deepEqual(await states(ev, [0, 1, 2, 3, 4, 5, 6]), [
    'firing',
    'firing',
    'firing',
    'firing',
    'firing',
    '-',
    '-',
  ]);
  const [held] = ev.alerts()[0]!.alerts;
  assert.equal(held?.resolvedAtMs, 5 * MIN);
});

test('keep_firing_for starts again when the expression returns the alert in between', async () => {
  const rule = alertRule({ forMs: 0, keepFiringForMs: 2 * MIN });
  const on = new Set([0, 2]);
  const ev = new GroupEvaluator(group([rule]), { query: scripted((m) => (on.has(m) ? app(1) : [])) });
  // Held from 1m, back at 2m (the hold starts again at 3m), so it resolves at 5m, not at 3m.
  assert.deepEqual(await states(ev, [0, 1, 2, 3, 4, 5]), [
    'firing',
    'firing',
    'firing',
    'firing',
    'firing',
    '-',
  ]);
  assert.equal(ev.alerts()[0]?.alerts[0]?.firedAtMs, 0, 'one alert all along');
});

test('keep_firing_for does not hold a pending alert', async () => {
  const rule = alertRule({ forMs: 5 * MIN, keepFiringForMs: 10 * MIN });
  const ev = new GroupEvaluator(group([rule]), { query: scripted((m) => (m < 2 ? app(1) : [])) });
  assert.deepEqual(await states(ev, [0, 1, 2]), ['pending', 'pending', '-']);
});

test('a resolved alert that comes back is a new pending alert', async () => {
  const on = new Set([0, 1, 4, 5]);
  const ev = new GroupEvaluator(group([alertRule({ forMs: MIN })]), {
    query: scripted((m) => (on.has(m) ? app(1) : [])),
  });
  assert.deepEqual(await states(ev, [0, 1, 2, 4, 5]), ['pending', 'firing', '-', 'pending', 'firing']);
  assert.equal(ev.activeAlerts()[0]?.activeAtMs, 4 * MIN);
});

test('ALERTS and ALERTS_FOR_STATE are written for pending and firing alerts', async () => {
  const ev = new GroupEvaluator(group([alertRule({ forMs: MIN })]), { query: scripted(() => app(7)) });
  const first = await ev.evaluate(3 * MIN);
  assert.deepEqual(first.samples, [
    {
      labels: {
        __name__: 'ALERTS',
        app: 'router',
        severity: 'page',
        alertname: 'Errors',
        alertstate: 'pending',
      },
      value: 1,
      timeMs: 3 * MIN,
    },
    {
      labels: { __name__: 'ALERTS_FOR_STATE', app: 'router', severity: 'page', alertname: 'Errors' },
      value: 180,
      timeMs: 3 * MIN,
    },
  ]);
  const second = await ev.evaluate(4 * MIN);
  assert.equal(second.samples[0]?.labels.alertstate, 'firing');
  assert.equal(second.samples[1]?.value, 180, 'ALERTS_FOR_STATE keeps the time the alert became active');
});

test('annotations follow the latest value; labels from templates; an empty label is dropped', async () => {
  let value = 1;
  const rule = alertRule({
    forMs: 0,
    labels: { team: '{{ $labels.owner }}', app_copy: '{{ $labels.app }}' },
  });
  const ev = new GroupEvaluator(group([rule]), { query: async () => [{ labels: { app: 'router' }, value }] });
  await ev.evaluate(0);
  value = 2.5;
  await ev.evaluate(MIN);
  const [a] = ev.activeAlerts();
  assert.equal(a?.annotations.summary, 'router logs 2.5 errors/s');
  assert.deepEqual(a?.labels, { app: 'router', team: '<no value>', app_copy: 'router', alertname: 'Errors' });
  assert.equal(a?.activeAtMs, 0);
});

test('a failing query marks the rule unhealthy and leaves its alerts as they were', async () => {
  const ev = new GroupEvaluator(group([alertRule({ forMs: 2 * MIN })]), {
    query: scripted((m) => (m === 1 ? new Error('query timed out') : app(1))),
  });
  await ev.evaluate(0);
  const out = await ev.evaluate(MIN);
  assert.deepEqual(
    out.failures.map((f) => f.error),
    ['query timed out'],
  );
  assert.equal(ev.statuses()[0]?.health, 'err');
  assert.equal(ev.statuses()[0]?.lastError, 'query timed out');
  assert.equal(ev.activeAlerts()[0]?.state, 'pending');
  await ev.evaluate(2 * MIN);
  assert.equal(ev.activeAlerts()[0]?.state, 'firing', 'the `for` counted from the first evaluation');
  assert.equal(ev.statuses()[0]?.health, 'ok');
});

test('two samples that become the same alert are an error, not two alerts', async () => {
  const ev = new GroupEvaluator(group([alertRule({ labels: {} })]), {
    query: async () => [
      { labels: { __name__: 'a', app: 'x' }, value: 1 },
      { labels: { __name__: 'b', app: 'x' }, value: 2 },
    ],
  });
  const out = await ev.evaluate(0);
  assert.match(out.failures[0]?.error ?? '', /same labelset after applying alert labels/);
});

test("a group's limit drops every alert of a rule that exceeds it", async () => {
  const ev = new GroupEvaluator(group([alertRule({ forMs: 0 })], 1), {
    query: async () => [
      { labels: { app: 'a' }, value: 1 },
      { labels: { app: 'b' }, value: 1 },
    ],
  });
  const out = await ev.evaluate(0);
  assert.equal(out.failures[0]?.error, 'exceeded limit of 1 with 2 alerts');
  assert.deepEqual(ev.activeAlerts(), []);
});

test('recording rules name their samples and set their labels; duplicates and limits are errors', async () => {
  const rule: RecordingRuleDef = {
    kind: 'record',
    name: 'app:log_lines:rate5m',
    expr: 'x',
    labels: { source: 'logs' },
    position,
  };
  const ev = new GroupEvaluator(group([rule]), {
    query: async (): Promise<VectorSample[]> => [
      { labels: { app: 'a', source: 'stream' }, value: 0.5 },
      { labels: { app: 'b' }, value: 1 },
    ],
  });
  const out = await ev.evaluate(2 * MIN);
  assert.deepEqual(out.samples, [
    { labels: { app: 'a', source: 'logs', __name__: 'app:log_lines:rate5m' }, value: 0.5, timeMs: 2 * MIN },
    { labels: { app: 'b', source: 'logs', __name__: 'app:log_lines:rate5m' }, value: 1, timeMs: 2 * MIN },
  ]);
  const dup = new GroupEvaluator(group([{ ...rule, labels: {} }]), {
    query: async (): Promise<VectorSample[]> => [
      { labels: { __name__: 'x', app: 'a' }, value: 1 },
      { labels: { app: 'a' }, value: 2 },
    ],
  });
  assert.match((await dup.evaluate(0)).failures[0]?.error ?? '', /same labelset after applying rule labels/);
  const limited = new GroupEvaluator(group([rule], 1), {
    query: async () => app(1).concat({ labels: { app: 'z' }, value: 1 }),
  });
  assert.equal((await limited.evaluate(0)).failures[0]?.error, 'exceeded limit 1 with 2 series');
});

test('alerts to send: firing ones every resend delay, a resolved one at once then every resend delay, pending ones never', async () => {
  const on = new Set([0, 1, 2, 3]);
  const ev = new GroupEvaluator(group([alertRule({ forMs: MIN })]), {
    query: scripted((m) => (on.has(m) ? app(1) : [])),
    externalUrl: 'http://ruler',
  });
  const sent: number[] = [];
  for (let m = 0; m <= 7; m++) {
    await ev.evaluate(m * MIN);
    const out = ev.alertsToSend(m * MIN, 90_000, MIN);
    if (out.length) sent.push(m);
    if (m === 1) {
      assert.equal(out[0]?.startsAt, new Date(MIN).toISOString());
      assert.equal(out[0]?.endsAt, new Date(MIN + 4 * 90_000).toISOString());
      assert.match(out[0]?.generatorURL ?? '', /^http:\/\/ruler\/graph\?g0\.expr=errors/);
    }
    if (m === 4)
      assert.equal(out[0]?.endsAt, new Date(4 * MIN).toISOString(), 'resolved: ends when it resolved');
  }
  assert.deepEqual(sent, [1, 3, 4, 6]);
});
