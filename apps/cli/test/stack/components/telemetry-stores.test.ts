import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../../../src/root.js';
import { collector, logstore } from '../../../src/stack/components/telemetry-stores.js';
import { stackContext } from '../../../src/stack/context.js';
import { durationMs, LogShippingConfigError, logShippingSettings } from '../../../src/stack/log-shipping.js';

const varDir = mkdtempSync(join(tmpdir(), 'opsight-stack-'));
after(() => rmSync(varDir, { recursive: true, force: true }));

/** The value after `flag` in a component's arguments. */
function arg(args: readonly string[] | undefined, flag: string): string | undefined {
  const i = args?.indexOf(flag) ?? -1;
  return i < 0 ? undefined : args?.[i + 1];
}

test("log pipeline timing: Loki's and Alloy's defaults on a normal stack", () => {
  const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: varDir });
  assert.equal(arg(logstore(ctx).args, '--stream-idle-period'), '30m');
  assert.equal(arg(collector(ctx).args, '--max-retry-period'), '10m');
});

test('log pipeline timing: a 60 s idle period under OPSIGHT_FAST=1, so a flood frees the table in a test', () => {
  const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: varDir, OPSIGHT_FAST: '1' });
  assert.equal(arg(logstore(ctx).args, '--stream-idle-period'), '60s');
  assert.equal(arg(collector(ctx).args, '--max-retry-period'), '10m');
});

test('log pipeline timing: OPSIGHT_LOGSTORE_STREAM_IDLE_PERIOD overrides the idle period, fast or not', () => {
  for (const fast of ['0', '1']) {
    const ctx = stackContext(repoRoot(), {
      OPSIGHT_VAR_DIR: varDir,
      OPSIGHT_FAST: fast,
      OPSIGHT_LOGSTORE_STREAM_IDLE_PERIOD: '90s',
    });
    assert.equal(arg(logstore(ctx).args, '--stream-idle-period'), '90s');
  }
});

test('log pipeline timing: an invalid idle period is refused, naming the variable', () => {
  for (const bad of ['', '60', '0s', '1.5m', '10 m', '-1s']) {
    assert.throws(
      () => logShippingSettings({ OPSIGHT_LOGSTORE_STREAM_IDLE_PERIOD: bad }),
      (e: unknown) =>
        e instanceof LogShippingConfigError &&
        e.variable === 'OPSIGHT_LOGSTORE_STREAM_IDLE_PERIOD' &&
        e.message.includes(JSON.stringify(bad)),
      bad,
    );
  }
  assert.equal(durationMs('60s'), 60_000);
  assert.equal(durationMs('30m'), 1_800_000);
  assert.equal(durationMs('250ms'), 250);
});
