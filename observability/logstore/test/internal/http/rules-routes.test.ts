// Loki's rules API and the Prometheus-format views, over HTTP: every route, bad bodies, tenancy (X-Scope-OrgID,
// tokens), browser safety, limits, and what reaches the rule directory.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TokensFile } from '@opsight/tenant-auth';
import { parse } from 'yaml';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';
import { RuleFileError } from '../../../src/ruler/rule-file.js';

const dir = mkdtempSync(join(tmpdir(), 'logstore-rules-'));
const rulesDir = join(dir, 'rules');
let store: LogStore;
let url: string;

const GROUP = `name: errors
interval: 1s
rules:
  - record: app:lines:count1m
    expr: sum by (app) (count_over_time({app="rules-test"}[1m]))
  - alert: RulesTestErrors
    expr: sum by (app) (count_over_time({app="rules-test", level="ERROR"}[1m])) > 1
    for: 1m
    labels:
      severity: ticket
    annotations:
      summary: "{{ $labels.app }}: {{ $value }} errors"
`;

before(async () => {
  mkdirSync(join(rulesDir, 'fake'), { recursive: true });
  writeFileSync(
    join(rulesDir, 'fake', 'shipped.yaml'),
    'groups:\n  - name: shipped\n    rules:\n      - record: shipped:count\n        expr: sum(count_over_time({app="x"}[1m]))\n',
  );
  store = createLogStore({
    dataDir: ':memory:',
    port: 0,
    ruler: { rulesDir, evaluationIntervalMs: 3_600_000 },
  });
  url = await store.listen();
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml', ...headers },
    body,
  });

test('a group POSTed is answered 202 as Loki does, written to <dir>/<tenant>/<namespace>.yaml 0600, and read back', async () => {
  const r = await post('/loki/api/v1/rules/team', GROUP);
  assert.equal(r.status, 202);
  assert.deepEqual(await r.json(), { status: 'success', data: null, errorType: '', error: '' });
  const file = join(rulesDir, 'fake', 'team.yaml');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(rulesDir, 'fake')).mode & 0o777, 0o700);
  assert.deepEqual(
    readdirSync(join(rulesDir, 'fake')).filter((f) => f.startsWith('.')),
    [],
    'no temporary file left',
  );
  const onDisk = parse(readFileSync(file, 'utf8')) as { groups: { name: string }[] };
  assert.deepEqual(
    onDisk.groups.map((g) => g.name),
    ['errors'],
  );

  const one = await fetch(`${url}/loki/api/v1/rules/team/errors`);
  assert.equal(one.status, 200);
  assert.equal(one.headers.get('content-type'), 'application/yaml');
  const group = parse(await one.text()) as Record<string, unknown>;
  assert.equal(group.name, 'errors');
  assert.equal(group.interval, '1s');
  const rules = group.rules as Record<string, unknown>[];
  assert.equal(rules[1]!.alert, 'RulesTestErrors');
  assert.equal(rules[1]!.for, '1m');
  assert.deepEqual(rules[1]!.annotations, { summary: '{{ $labels.app }}: {{ $value }} errors' });

  const ns = parse(await (await fetch(`${url}/loki/api/v1/rules/team`)).text()) as Record<string, unknown[]>;
  assert.deepEqual(Object.keys(ns), ['team']);
  const all = await fetch(`${url}/loki/api/v1/rules`);
  assert.equal(all.status, 200);
  assert.deepEqual(Object.keys(parse(await all.text()) as object), ['shipped', 'team']);
  // The older path prefix answers the same.
  assert.equal((await fetch(`${url}/api/prom/rules/team/errors`)).status, 200);
});

test('POST of a group with the name of an existing one replaces it in place', async () => {
  await post(
    '/loki/api/v1/rules/replace',
    'name: a\nrules:\n  - record: a:x\n    expr: sum(count_over_time({app="a"}[1m]))\n',
  );
  await post(
    '/loki/api/v1/rules/replace',
    'name: b\nrules:\n  - record: b:x\n    expr: sum(count_over_time({app="b"}[1m]))\n',
  );
  const r = await post(
    '/loki/api/v1/rules/replace',
    'name: a\ninterval: 5m\nrules:\n  - record: a:y\n    expr: sum(count_over_time({app="a"}[1m]))\n',
  );
  assert.equal(r.status, 202);
  const ns = parse(await (await fetch(`${url}/loki/api/v1/rules/replace`)).text()) as {
    replace: { name: string; interval?: string; rules: { record: string }[] }[];
  };
  assert.deepEqual(
    ns.replace.map((g) => [g.name, g.interval, g.rules[0]!.record]),
    [
      ['a', '5m', 'a:y'],
      ['b', undefined, 'b:x'],
    ],
  );
});

test('a bad body is 400 JSON naming the group, the rule and the position in the body; nothing is stored', async () => {
  const body =
    'name: broken\nrules:\n  - record: ok:x\n    expr: sum(count_over_time({app="a"}[1m]))\n  - alert: Bad\n    expr: sum(rate({app="x"}[1m]) >\n';
  const r = await post('/loki/api/v1/rules/bad', body);
  assert.equal(r.status, 400);
  const b = (await r.json()) as { code: string; error: string; problems: Record<string, unknown>[] };
  assert.equal(b.code, 'INVALID_RULE_GROUP');
  assert.equal(b.problems.length, 1);
  assert.equal(b.problems[0]!.group, 'broken');
  assert.equal(b.problems[0]!.rule_index, 2);
  assert.equal(b.problems[0]!.rule, 'Bad');
  assert.equal(b.problems[0]!.line, 6);
  assert.match(String(b.problems[0]!.message), /could not parse expression/);
  assert.match(b.error, /^bad:6:\d+: group "broken", rule 2, "Bad": could not parse expression/);

  for (const [text, pattern] of [
    ['name: [unclosed', /YAML/],
    ['name: x\nrules:\n  - alert: LogQuery\n    expr: \'{app="x"}\'\n', /metric query/],
    [
      'name: x\nrules:\n  - alert: A\n    expr: sum(count_over_time({app="x"}[1m]))\n    for: 5 minutes\n',
      /duration/,
    ],
    [
      'name: x\nrules:\n  - alert: A\n    expr: sum(count_over_time({app="x"}[1m]))\n    annotations:\n      s: "{{ $labels.app "\n',
      /msg=/,
    ],
    ['name: ""\nrules: []\n', /groupname/],
  ] as const) {
    const res = await post('/loki/api/v1/rules/bad', text);
    assert.equal(res.status, 400, text);
    const e = (await res.json()) as { code: string; error: string };
    assert.equal(e.code, 'INVALID_RULE_GROUP');
    assert.match(e.error, pattern, text);
  }
  assert.equal((await fetch(`${url}/loki/api/v1/rules/bad`)).status, 404);
  assert.ok(!readdirSync(join(rulesDir, 'fake')).includes('bad.yaml'));
});

test('namespaces that cannot be file names are refused; a body over 1 MiB is 413', async () => {
  for (const ns of ['.hidden', 'a%2Fb', 'tab%09name']) {
    const r = await post(`/loki/api/v1/rules/${ns}`, GROUP);
    assert.equal(r.status, 400, ns);
    assert.equal(((await r.json()) as { code: string }).code, 'INVALID_NAMESPACE', ns);
  }
  const big = await post('/loki/api/v1/rules/big', `# ${'x'.repeat(1024 * 1024)}\n${GROUP}`);
  assert.equal(big.status, 413);
});

test('missing groups and namespaces are 404; wrong methods 405', async () => {
  assert.equal((await fetch(`${url}/loki/api/v1/rules/none`)).status, 404);
  assert.equal((await fetch(`${url}/loki/api/v1/rules/team/none`)).status, 404);
  assert.equal((await fetch(`${url}/loki/api/v1/rules/none`, { method: 'DELETE' })).status, 404);
  assert.equal((await fetch(`${url}/loki/api/v1/rules/team/none`, { method: 'DELETE' })).status, 404);
  assert.equal((await fetch(`${url}/loki/api/v1/rules`, { method: 'DELETE' })).status, 405);
  assert.equal((await post('/loki/api/v1/rules/team/errors', GROUP)).status, 405);
  assert.equal((await fetch(`${url}/loki/api/v1/rules/a/b/c`)).status, 404);
});

test('DELETE of a group rewrites the file without it; DELETE of a namespace removes the file', async () => {
  await post(
    '/loki/api/v1/rules/gone',
    'name: a\nrules:\n  - record: a:x\n    expr: sum(count_over_time({app="a"}[1m]))\n',
  );
  await post(
    '/loki/api/v1/rules/gone',
    'name: b\nrules:\n  - record: b:x\n    expr: sum(count_over_time({app="b"}[1m]))\n',
  );
  const d = await fetch(`${url}/loki/api/v1/rules/gone/a`, { method: 'DELETE' });
  assert.equal(d.status, 202);
  const onDisk = parse(readFileSync(join(rulesDir, 'fake', 'gone.yaml'), 'utf8')) as {
    groups: { name: string }[];
  };
  assert.deepEqual(
    onDisk.groups.map((g) => g.name),
    ['b'],
  );
  assert.equal((await fetch(`${url}/loki/api/v1/rules/gone`, { method: 'DELETE' })).status, 202);
  assert.ok(!readdirSync(join(rulesDir, 'fake')).includes('gone.yaml'));
  assert.equal((await fetch(`${url}/loki/api/v1/rules/gone`)).status, 404);
});

test('tenants are apart: X-Scope-OrgID picks the directory and sees only its own groups', async () => {
  const r = await post('/loki/api/v1/rules/theirs', GROUP, { 'x-scope-orgid': 'team-b' });
  assert.equal(r.status, 202);
  assert.ok(statSync(join(rulesDir, 'team-b', 'theirs.yaml')).isFile());
  assert.equal((await fetch(`${url}/loki/api/v1/rules/theirs`)).status, 404, 'not the single tenant’s');
  const b = parse(
    await (await fetch(`${url}/loki/api/v1/rules`, { headers: { 'x-scope-orgid': 'team-b' } })).text(),
  );
  assert.deepEqual(Object.keys(b as object), ['theirs']);
  const prom = (await (
    await fetch(`${url}/prometheus/api/v1/rules`, { headers: { 'x-scope-orgid': 'team-b' } })
  ).json()) as { data: { groups: { file: string }[] } };
  assert.deepEqual(
    prom.data.groups.map((g) => g.file),
    ['theirs'],
  );
  assert.equal(
    (await fetch(`${url}/loki/api/v1/rules`, { headers: { 'x-scope-orgid': 'nobody' } })).status,
    404,
  );
  assert.equal(
    (await fetch(`${url}/loki/api/v1/rules`, { headers: { 'x-scope-orgid': 'a|b' } })).status,
    400,
  );
});

test('browser safety: a cross-origin write or a CORS-safelisted content type is refused', async () => {
  const cross = await post('/loki/api/v1/rules/evil', GROUP, { origin: 'http://evil.example' });
  assert.equal(cross.status, 403);
  const plain = await post('/loki/api/v1/rules/evil', GROUP, { 'content-type': 'text/plain' });
  assert.equal(plain.status, 415);
  const del = await fetch(`${url}/loki/api/v1/rules/team`, {
    method: 'DELETE',
    headers: { origin: 'http://evil.example' },
  });
  assert.equal(del.status, 403);
  assert.equal((await fetch(`${url}/loki/api/v1/rules/evil`)).status, 404);
});

test('GET /prometheus/api/v1/rules has the Prometheus shape; type= keeps one kind; /alerts lists alerts', async () => {
  const r = await fetch(`${url}/prometheus/api/v1/rules`);
  assert.equal(r.status, 200);
  const b = (await r.json()) as {
    status: string;
    data: { groups: { name: string; file: string; interval: number; rules: Record<string, unknown>[] }[] };
  };
  assert.equal(b.status, 'success');
  const team = b.data.groups.find((g) => g.file === 'team')!;
  assert.equal(team.interval, 1);
  const alerting = team.rules.find((x) => x.type === 'alerting')!;
  for (const field of [
    'state',
    'name',
    'query',
    'duration',
    'labels',
    'annotations',
    'alerts',
    'health',
    'lastError',
    'lastEvaluation',
    'evaluationTime',
  ])
    assert.ok(field in alerting, field);
  assert.equal(alerting.duration, 60);
  assert.deepEqual(
    b.data.groups.map((g) => g.file),
    [...b.data.groups.map((g) => g.file)].sort(),
    'sorted by file',
  );
  const onlyAlerts = (await (await fetch(`${url}/prometheus/api/v1/rules?type=alert`)).json()) as {
    data: { groups: { rules: { type: string }[] }[] };
  };
  assert.ok(onlyAlerts.data.groups.every((g) => g.rules.every((x) => x.type === 'alerting')));
  assert.equal((await fetch(`${url}/prometheus/api/v1/rules?type=bogus`)).status, 400);
  const alerts = (await (await fetch(`${url}/prometheus/api/v1/alerts`)).json()) as {
    status: string;
    data: { alerts: unknown[] };
  };
  assert.equal(alerts.status, 'success');
  assert.ok(Array.isArray(alerts.data.alerts));
});

test('too many groups for a tenant, or rules in a group, is 400 RULE_LIMIT', async () => {
  const limited = createLogStore({
    dataDir: ':memory:',
    port: 0,
    ruler: { rulesDir: join(dir, 'limited'), maxRuleGroupsPerTenant: 1, maxRulesPerRuleGroup: 1 },
  });
  const u = await limited.listen();
  try {
    const p = (ns: string, body: string) =>
      fetch(`${u}/loki/api/v1/rules/${ns}`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body,
      });
    const one = 'name: one\nrules:\n  - record: a:x\n    expr: sum(count_over_time({app="a"}[1m]))\n';
    assert.equal((await p('n', one)).status, 202);
    assert.equal((await p('n', one)).status, 202, 'replacing stays within the limit');
    const second = await p('n', one.replace('one', 'two'));
    assert.equal(second.status, 400);
    assert.equal(((await second.json()) as { code: string }).code, 'RULE_LIMIT');
    const twoRules = `${one}  - record: b:x\n    expr: sum(count_over_time({app="b"}[1m]))\n`;
    assert.equal((await p('n', twoRules)).status, 400);
  } finally {
    await limited.close();
  }
});

test('without a ruler the rules API answers 404 RULER_DISABLED', async () => {
  const plain = createLogStore({ dataDir: ':memory:', port: 0 });
  const u = await plain.listen();
  try {
    for (const path of ['/loki/api/v1/rules', '/prometheus/api/v1/rules', '/prometheus/api/v1/alerts']) {
      const r = await fetch(`${u}${path}`);
      assert.equal(r.status, 404, path);
      assert.equal(((await r.json()) as { code: string }).code, 'RULER_DISABLED');
    }
  } finally {
    await plain.close();
  }
});

test('a bad rule file in the directory stops the start with its file, line and rule', () => {
  const badDir = join(dir, 'bad-start');
  mkdirSync(join(badDir, 'fake'), { recursive: true });
  writeFileSync(
    join(badDir, 'fake', 'x.yaml'),
    'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(\n',
  );
  assert.throws(
    () => createLogStore({ dataDir: ':memory:', port: 0, ruler: { rulesDir: badDir } }),
    (e: unknown) => e instanceof RuleFileError && /x\.yaml:5:\d+: group "g", rule 1, "A"/.test(e.message),
  );
});

test('tenancy by token: the token’s tenant owns the rules; another X-Scope-OrgID is 403', async () => {
  const tokensPath = join(dir, 'tokens');
  writeFileSync(tokensPath, 'team-a token-of-team-a-0123456789\n');
  const tokens = new TokensFile(tokensPath, { pollMs: 0 });
  const authed = createLogStore({
    dataDir: ':memory:',
    port: 0,
    tenantAuth: tokens,
    ruler: { rulesDir: join(dir, 'authed') },
  });
  const u = await authed.listen();
  try {
    const auth = { authorization: 'Bearer token-of-team-a-0123456789' };
    const noToken = await fetch(`${u}/loki/api/v1/rules`);
    assert.equal(noToken.status, 401);
    const r = await fetch(`${u}/loki/api/v1/rules/mine`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', ...auth },
      body: GROUP,
    });
    assert.equal(r.status, 202);
    assert.ok(statSync(join(dir, 'authed', 'team-a', 'mine.yaml')).isFile());
    const other = await fetch(`${u}/loki/api/v1/rules`, { headers: { ...auth, 'x-scope-orgid': 'team-b' } });
    assert.equal(other.status, 403);
  } finally {
    tokens.close();
    await authed.close();
  }
});
