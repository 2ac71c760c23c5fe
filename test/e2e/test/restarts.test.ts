import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComponentStatus } from '@opsight/supervisor';
import { eventually, opsight, promQuery } from '../src/env.js';

function component(name: string): ComponentStatus {
  const { components } = JSON.parse(opsight(['status', '--json']).stdout) as {
    components: ComponentStatus[];
  };
  const c = components.find((x) => x.name === name);
  assert.ok(c, name);
  return c;
}

test('a killed component is restarted and Prometheus sees the restart count rise', async () => {
  const before = component('redis-exporter');
  process.kill(before.pid!, 'SIGKILL');
  const after = await eventually('the restart', async () => {
    const c = component('redis-exporter');
    return c.restarts > before.restarts && c.ready ? c : undefined;
  });
  assert.notEqual(after.pid, before.pid);
  assert.equal(after.lastTermination?.signal, 'SIGKILL');
  const query = 'kube_pod_container_status_restarts_total{container="redis-exporter"}';
  await eventually('the restart in Prometheus', async () => {
    const r = await promQuery(query);
    return r.length === 1 && Number(r[0]?.value[1]) >= after.restarts;
  });
  await eventually('the target up again', async () => {
    const r = await promQuery('up{job="redis-exporter"}');
    return r[0]?.value[1] === '1';
  });
});
