// The ruler's rule files: Loki's local layout, atomic rewrites, private modes, and what a crash leaves.
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DEFAULT_LIMITS } from '../../../src/internal/limits.js';
import { QueryEngine } from '../../../src/internal/logql/engine.js';
import { RuleStorage, writeFileAtomic } from '../../../src/internal/ruler/rule-storage.js';
import { LogStorage } from '../../../src/internal/storage/log-storage.js';
import { logqlMetricExprCheck, parseRuleGroup } from '../../../src/ruler/rule-file.js';

const logs = new LogStorage({ dataDir: ':memory:' });
const checkExpr = logqlMetricExprCheck(new QueryEngine(logs, () => DEFAULT_LIMITS));
const root = mkdtempSync(join(tmpdir(), 'rule-storage-'));
after(() => {
  logs.close();
  rmSync(root, { recursive: true, force: true });
});

const group = (name: string, record = 'a:x') =>
  parseRuleGroup(
    `name: ${name}\nrules:\n  - record: ${record}\n    expr: sum(count_over_time({app="a"}[1m]))\n`,
    {
      checkExpr,
    },
  );

test('loads <dir>/<tenant>/<file>: .yaml and .yml name the namespace without the ending; modes become private', () => {
  const dir = join(root, 'load');
  mkdirSync(join(dir, 'team-a'), { recursive: true });
  const file = join(dir, 'team-a', 'first.yaml');
  writeFileSync(
    file,
    'groups:\n  - name: g1\n    rules:\n      - record: a:x\n        expr: sum(count_over_time({app="a"}[1m]))\n',
  );
  writeFileSync(join(dir, 'team-a', 'second.yml'), 'groups: []\n');
  chmodSync(file, 0o644);
  const s = new RuleStorage({ dir, checkExpr });
  s.load();
  assert.deepEqual(
    s.namespaces('team-a').map((n) => [n.name, n.groups.map((g) => g.name)]),
    [
      ['first', ['g1']],
      ['second', []],
    ],
  );
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'team-a')).mode & 0o777, 0o700);
  assert.deepEqual(s.tenantsWithRules(), ['team-a']);
});

test('a change rewrites the namespace file whole, and a fresh load reads back what was set', () => {
  const dir = join(root, 'roundtrip');
  const s = new RuleStorage({ dir, checkExpr });
  s.load();
  s.setGroup('t', 'ns', group('one'));
  s.setGroup('t', 'ns', group('two', 'b:x'));
  s.setGroup('t', 'ns', group('one', 'c:x'));
  assert.deepEqual(readdirSync(join(dir, 't')), ['ns.yaml'], 'no temporary file left');
  const again = new RuleStorage({ dir, checkExpr });
  again.load();
  assert.deepEqual(
    again.namespaces('t')[0]!.groups.map((g) => [g.name, g.rules[0]!.name]),
    [
      ['one', 'c:x'],
      ['two', 'b:x'],
    ],
  );
  assert.ok(s.deleteGroup('t', 'ns', 'one'));
  assert.ok(!s.deleteGroup('t', 'ns', 'one'));
  assert.ok(s.deleteNamespace('t', 'ns'));
  assert.deepEqual(readdirSync(join(dir, 't')), []);
  assert.ok(!s.deleteNamespace('t', 'ns'));
});

test('a crash mid-write leaves the old file whole: the temporary file is ignored and removed at the next load', () => {
  const dir = join(root, 'crash');
  const s = new RuleStorage({ dir, checkExpr });
  s.load();
  s.setGroup('t', 'ns', group('kept'));
  const before = readFileSync(join(dir, 't', 'ns.yaml'), 'utf8');
  // What a crash between writing the temporary file and the rename leaves: half a file beside the whole one.
  writeFileSync(join(dir, 't', '.ns.yaml.tmp'), 'groups:\n  - name: half\n    rul');
  const after = new RuleStorage({ dir, checkExpr });
  after.load();
  assert.deepEqual(
    after.namespaces('t').map((n) => [n.name, n.groups.map((g) => g.name)]),
    [['ns', ['kept']]],
  );
  assert.equal(readFileSync(join(dir, 't', 'ns.yaml'), 'utf8'), before);
  assert.deepEqual(readdirSync(join(dir, 't')), ['ns.yaml']);
});

test('writeFileAtomic replaces a file by rename, mode 0600', () => {
  const dir = join(root, 'atomic');
  mkdirSync(dir);
  const file = join(dir, 'f.yaml');
  writeFileSync(file, 'old');
  const inode = statSync(file).ino;
  writeFileAtomic(file, dir, 'f.yaml', 'new');
  assert.equal(readFileSync(file, 'utf8'), 'new');
  assert.notEqual(statSync(file).ino, inode, 'a new file renamed over the old one, never rewritten in place');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ['f.yaml']);
});

test('tenants that are not directory names, and namespaces that are not file names, are refused', () => {
  const s = new RuleStorage({ dir: join(root, 'names'), checkExpr });
  s.load();
  for (const tenant of ['.', '..'])
    assert.throws(() => s.setGroup(tenant, 'ns', group('g')), { code: 'INVALID_TENANT' });
  for (const ns of ['', '.ns', 'a/b', '..', 'x\n', 'y'.repeat(201)])
    assert.throws(() => s.setGroup('t', ns, group('g')), { code: 'INVALID_NAMESPACE' });
});

test('two files naming one namespace (.yaml and .yml) stop the load', () => {
  const dir = join(root, 'twins');
  mkdirSync(join(dir, 't'), { recursive: true });
  writeFileSync(join(dir, 't', 'ns.yaml'), 'groups: []\n');
  writeFileSync(join(dir, 't', 'ns.yml'), 'groups: []\n');
  assert.throws(() => new RuleStorage({ dir, checkExpr }).load(), /namespace "ns" is also in ns\.yaml/);
});
