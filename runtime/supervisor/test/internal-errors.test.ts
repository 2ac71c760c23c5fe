import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeScript, startSupervisor } from './helpers.js';

// Issue 14: a failed component action answers a stable code and fixed words; what failed goes to the
// supervisor's notices (which `opsight up` prints), not into the answer.
test('a stop that fails answers 500 COMPONENT_ACTION_FAILED without the error; the notice has it', async (t) => {
  const sleeper = nodeScript('sleeper', 'setInterval(() => {}, 100)');
  const { supervisor, dispose } = await startSupervisor([sleeper]);
  t.after(dispose);
  await supervisor.waitUntilReady(10_000);
  const notices: string[] = [];
  supervisor.on('notice', (m: string) => notices.push(m));
  supervisor.stopComponent = async () => {
    throw new Error('EPERM: kill 4711 (/home/dev/.config/opsight/secret)');
  };
  const res = await fetch(`${supervisor.url}/api/v1/components/sleeper/stop`, { method: 'POST' });
  const text = await res.text();
  assert.equal(res.status, 500);
  assert.doesNotMatch(text, /EPERM|4711|secret|\.js:\d+/);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'COMPONENT_ACTION_FAILED');
  assert.equal(body.error.message, "the component could not be stopped; see the supervisor's output");
  assert.equal(notices.length, 1);
  assert.match(notices[0]!, /^stop sleeper failed: Error: EPERM: kill 4711/);
});
