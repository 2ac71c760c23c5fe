import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryProblems, descriptorProblems } from '@opsight/contracts/workload';
import { kubernetesNginxOptions, localNginxOptions, renderNginxConfig } from '../src/render-config.js';
import { gatewayConfigWorkload, gatewayWorkload } from '../src/workload.js';

test("the gateway's and its configuration job's descriptors are sound", () => {
  for (const d of [gatewayWorkload, gatewayConfigWorkload]) {
    assert.deepEqual(descriptorProblems(d), []);
    assert.deepEqual(binaryProblems(d), []);
  }
});

test('nginx answers the probe paths its descriptor declares, in every rendering', () => {
  const port = gatewayWorkload.ports.find((p) => p.name === 'http')?.port;
  const kubernetes = renderNginxConfig(kubernetesNginxOptions({ upstream: 'api-service:8081' }));
  const local = renderNginxConfig(localNginxOptions({ varDir: '/tmp/var', port: 8080, upstreamPort: 8081 }));
  assert.match(kubernetes, new RegExp(`listen\\s+${port}\\b`));
  for (const config of [kubernetes, local])
    for (const probe of Object.values(gatewayWorkload.probes))
      assert.ok(config.includes(`location = ${probe.path} {`), probe.path);
});
