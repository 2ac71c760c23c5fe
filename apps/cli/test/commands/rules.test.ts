import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rulesTest } from '../../src/commands/rules.js';

const bin = new URL('../../src/bin/opsight.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'opsight-rules-'));
after(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  join(dir, 'rules.yaml'),
  `groups:
  - name: g
    rules:
      - alert: Panics
        expr: sum by (app) (count_over_time({app="x"} |= "panic" [1m])) > 0
`,
);
const testFile = (name: string, expAlerts: string) => {
  const path = join(dir, name);
  writeFileSync(
    path,
    `rule_files: [rules.yaml]
tests:
  - input_streams:
      - stream: '{app="x"}'
        values: '_ 1'
        lines: ['panic: nil map']
    alert_rule_test:
      - eval_time: 1m
        alertname: Panics
        exp_alerts: ${expAlerts}
`,
  );
  return path;
};

function opsight(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args]);
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

test('opsight rules test prints SUCCESS and exits 0 when every test passes, FAILED and 1 otherwise', async () => {
  const good = testFile('good.yaml', '[{ exp_labels: { app: x } }]');
  const bad = testFile('bad.yaml', '[]');
  const ok = await opsight(['rules', 'test', good]);
  assert.equal(ok.code, 0, ok.out);
  assert.equal(ok.out, `Unit Testing:  ${good}\n  SUCCESS\n`);
  const failed = await opsight(['rules', 'test', good, bad]);
  assert.equal(failed.code, 1);
  assert.match(
    failed.out,
    /Unit Testing: {2}.*bad\.yaml\n {2}FAILED:\n {2}tests\[0\]:\n {4}alertname: Panics, time: 1m, \n {8}exp:\[\], \n {8}got:\[/,
  );
});

test('opsight rules test refuses a missing file and bad usage', async () => {
  const lines: string[] = [];
  assert.equal(await rulesTest({ files: [join(dir, 'nope.yaml')], write: (t) => lines.push(t) }), 1);
  assert.match(lines.join(''), /FAILED:\n {4}cannot read .*nope\.yaml/);
  const usage = await opsight(['rules', 'test']);
  assert.equal(usage.code, 2);
  assert.match(usage.out, /^opsight: rules test takes one or more test files/);
  assert.match((await opsight(['rules', 'check'])).out, /^opsight: unknown rules command "check"/);
});
