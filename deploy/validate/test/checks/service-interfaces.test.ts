import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadRoutingConfig } from '@opsight/model-router';
import { modelRouterWorkload } from '@opsight/model-router/workload';
import { parse } from 'yaml';
import {
  composeLaunches,
  kubernetesLaunches,
  type Launch,
  launchProblems,
  monitorProblems,
  serviceInterface,
  workloadOf,
} from '../../src/checks/service-interfaces.js';
import { renderKustomization } from '../../src/kustomize/render.js';
import type { JsonObject } from '../../src/kustomize/strategic-merge.js';
import { OVERLAYS, overlayDir, repoRoot } from '../../src/paths.js';

const BINS = {
  apiService: 'platform/api-service/dist/src/bin/api-service.js',
  modelRouter: 'platform/model-router/dist/src/bin/model-router.js',
  modelServing: 'platform/model-serving/dist/src/bin/model-serving.js',
  alertRelay: 'observability/alert-relay/dist/src/bin/alert-relay.js',
};

const compose = parse(readFileSync(join(repoRoot, 'deploy/compose/compose.yaml'), 'utf8'), {
  merge: true,
  maxAliasCount: -1,
}) as JsonObject;

function launch(
  bin: string,
  args: string[],
  env: Record<string, string> = {},
  extra: Partial<Launch> = {},
): Launch {
  return {
    where: 'test',
    argv: ['node', bin, ...args],
    env: new Map(Object.entries(env).map(([k, v]) => [k, { literal: true, value: v }])),
    probePaths: [],
    ...extra,
  };
}

test("each service's flags, required flags, variables and routes come from its workload descriptor", () => {
  const router = serviceInterface(repoRoot, BINS.modelRouter)!;
  assert.deepEqual([...router.flags].sort(), ['config', 'listen', 'metrics-listen']);
  assert.deepEqual([...router.requiredFlags], ['config']);
  assert.ok(router.env.has('OTEL_EXPORTER_OTLP_ENDPOINT') && router.env.has('LOG_LEVEL'));
  assert.ok(router.routes.has('/ready') && router.routes.has('/metrics'));
  const serving = serviceInterface(repoRoot, BINS.modelServing)!;
  assert.deepEqual([...serving.flags].sort(), [
    'jitter',
    'listen',
    'model',
    'token-ms',
    'ttft-ms',
    'upstream-url',
  ]);
  assert.ok(serving.env.has('UPSTREAM_API_KEY') && serving.env.has('UPSTREAM_BASE_URL'));
  const api = serviceInterface(repoRoot, BINS.apiService)!;
  assert.deepEqual([...api.flags], ['listen']);
  for (const name of ['OPSIGHT_PG_PASSWORD_FILE', 'OPSIGHT_ROUTER_ADDRESS', 'OPSIGHT_REDIS_URL', 'PGHOST'])
    assert.ok(api.env.has(name), name);
  const relay = serviceInterface(repoRoot, BINS.alertRelay)!;
  assert.deepEqual([...relay.flags].sort(), ['listen', 'queue-dir']);
  assert.ok(relay.env.has('ALERT_RELAY_CONFIG'));
  assert.ok(!relay.env.has('OTEL_SERVICE_NAME'), 'the relay has no tracing');
  assert.ok(relay.routes.has('/-/ready'));
  // Every one of them is scraped on the admin server's metrics path.
  for (const iface of [router, serving, api, relay])
    assert.ok(iface.routes.has('/metrics'), `${iface.bin} /metrics`);
  assert.equal(serviceInterface(repoRoot, 'platform/not-merged/dist/src/bin/x.js'), undefined);
});

test("a manifest's bin path finds the descriptor of the package that ships it", () => {
  assert.equal(workloadOf(repoRoot, BINS.modelRouter), modelRouterWorkload);
  assert.equal(workloadOf(repoRoot, `./${BINS.modelRouter}`), modelRouterWorkload);
  assert.equal(workloadOf(repoRoot, 'node'), undefined);
  assert.equal(workloadOf(repoRoot, 'platform/model-router/dist/src/bin/other.js'), undefined);
  const api = serviceInterface(repoRoot, BINS.apiService)!;
  assert.ok(api.secretEnv.has('PGPASSWORD') && !api.secretEnv.has('PGUSER'));
});

test('every overlay starts our services with flags and variables they accept', () => {
  for (const overlay of OVERLAYS) {
    const launches = kubernetesLaunches(renderKustomization(overlayDir(overlay)));
    const bins = new Set(launches.flatMap((l) => l.argv.filter((a) => Object.values(BINS).includes(a))));
    assert.deepEqual([...bins].sort(), Object.values(BINS).sort(), overlay);
    assert.deepEqual(
      launches.flatMap((l) => launchProblems(repoRoot, l)),
      [],
      overlay,
    );
  }
});

test('every overlay scrapes our services on a port they listen on and a path they serve', () => {
  for (const overlay of OVERLAYS) {
    const resources = renderKustomization(overlayDir(overlay));
    assert.deepEqual(monitorProblems(repoRoot, resources), [], overlay);
  }
});

test('a monitor that misses the metrics endpoint is reported', () => {
  const resources = renderKustomization(join(repoRoot, 'deploy/k8s/overlays/prod'));
  const byName = (kind: string, name: string) =>
    resources.find((r) => r.kind === kind && (r.metadata as JsonObject).name === name)!;
  const router = byName('ServiceMonitor', 'model-router');
  ((router.spec as JsonObject).endpoints as JsonObject[])[0]!.port = 'grpc';
  const relay = byName('ServiceMonitor', 'alert-relay');
  ((relay.spec as JsonObject).endpoints as JsonObject[])[0]!.path = '/stats';
  const serving = byName('ServiceMonitor', 'model-serving');
  ((serving.spec as JsonObject).endpoints as JsonObject[])[0]!.port = 'metrics';
  assert.deepEqual(monitorProblems(repoRoot, resources).sort(), [
    'ServiceMonitor/alert-relay: Deployment/alert-relay/alert-relay does not serve /stats',
    'ServiceMonitor/model-router: Deployment/model-router/model-router serves metrics on 9464, not 50051',
    'ServiceMonitor/model-serving: Service model-serving has no port metrics',
  ]);
});

test('compose starts our services with flags and variables they accept', () => {
  const launches = composeLaunches(compose);
  const bins = new Set(launches.flatMap((l) => l.argv.filter((a) => Object.values(BINS).includes(a))));
  assert.deepEqual([...bins].sort(), Object.values(BINS).sort());
  assert.deepEqual(
    launches.flatMap((l) => launchProblems(repoRoot, l)),
    [],
  );
});

test('a wrong launch is reported: unknown or missing flags, unread or literal secrets, ports, probes', () => {
  assert.deepEqual(
    launchProblems(
      repoRoot,
      launch(
        BINS.modelRouter,
        ['--listen', '0.0.0.0:50051', '--backend', 'http://model-serving:8090'],
        {},
        {
          containerPorts: new Map([['grpc', 50051]]),
          probePaths: ['/livez'],
        },
      ),
    ),
    [
      `test (${BINS.modelRouter}): passes --backend, which it does not accept`,
      `test (${BINS.modelRouter}): omits --config, which it requires`,
      `test (${BINS.modelRouter}): probes /livez, which it does not serve`,
    ],
  );
  assert.deepEqual(
    launchProblems(repoRoot, launch(BINS.alertRelay, ['--listen=0.0.0.0:9096'], { OTEL_SERVICE_NAME: 'x' })),
    [`test (${BINS.alertRelay}): sets OTEL_SERVICE_NAME, which it does not read`],
  );
  assert.deepEqual(
    launchProblems(
      repoRoot,
      launch(
        BINS.apiService,
        ['--listen', '127.0.0.1:8081'],
        { PGPASSWORD: 'hunter2' },
        { containerPorts: new Map([['http', 8080]]) },
      ),
    ),
    [
      `test (${BINS.apiService}): PGPASSWORD is a literal value; take it from a Secret or a secret file`,
      `test (${BINS.apiService}): --listen 127.0.0.1:8081 listens on loopback, unreachable from outside the container`,
      `test (${BINS.apiService}): --listen 127.0.0.1:8081 is not a declared container port`,
    ],
  );
  // OPSIGHT_SERVICE_NAMESPACE is read by @opsight/telemetry/register only, when node preloads it.
  assert.deepEqual(
    launchProblems(repoRoot, launch(BINS.modelServing, [], { OPSIGHT_SERVICE_NAMESPACE: 'x' })),
    [`test (${BINS.modelServing}): sets OPSIGHT_SERVICE_NAMESPACE, which it does not read`],
  );
  const preloaded = launch(BINS.modelServing, [], { OPSIGHT_SERVICE_NAMESPACE: 'x' });
  assert.deepEqual(
    launchProblems(repoRoot, {
      ...preloaded,
      argv: ['node', '--import', '@opsight/telemetry/register', ...preloaded.argv.slice(1)],
    }),
    [],
  );
  assert.deepEqual(
    launchProblems(repoRoot, launch('platform/not-merged/dist/src/bin/x.js', ['--anything'])),
    [],
  );
});

test('the production routing table loads with the router’s own loader and routes to model-serving', () => {
  const config = loadRoutingConfig(join(repoRoot, 'platform/model-router/config/production.json'));
  assert.deepEqual(
    [...config.backends.values()].map((b) => b.url),
    ['http://model-serving:8090'],
  );
  // Every routed model is one model-serving serves (its --model flags, in Kubernetes and compose).
  const served = (argv: readonly string[]) =>
    argv.flatMap((a, i) => (argv[i - 1] === '--model' ? [a.split('=')[0]] : [])).sort();
  const k8s = kubernetesLaunches(renderKustomization(join(repoRoot, 'deploy/k8s/overlays/prod'))).find((l) =>
    l.argv.includes(BINS.modelServing),
  )!;
  const composed = composeLaunches(compose).find((l) => l.argv.includes(BINS.modelServing))!;
  assert.deepEqual(served(k8s.argv), [...config.models.keys()].sort());
  assert.deepEqual(served(composed.argv), [...config.models.keys()].sort());
});

test('the routing table reaches the router: ConfigMap in Kubernetes, a config in compose', () => {
  const prod = renderKustomization(join(repoRoot, 'deploy/k8s/overlays/prod'));
  const cm = prod.find(
    (r) => r.kind === 'ConfigMap' && (r.metadata as JsonObject).name === 'model-router-routing',
  )!;
  assert.equal(
    (cm.data as JsonObject)['routing.json'],
    readFileSync(join(repoRoot, 'platform/model-router/config/production.json'), 'utf8'),
  );
  const router = prod.find(
    (r) => r.kind === 'Deployment' && (r.metadata as JsonObject).name === 'model-router',
  )!;
  const pod = ((router.spec as JsonObject).template as JsonObject).spec as JsonObject;
  const c = (pod.containers as JsonObject[])[0]!;
  const args = c.args as string[];
  const path = args[args.indexOf('--config') + 1]!;
  const mount = (c.volumeMounts as JsonObject[]).find((m) => path.startsWith(`${m.mountPath}/`))!;
  const volume = (pod.volumes as JsonObject[]).find((v) => v.name === mount.name)!;
  assert.equal((volume.configMap as JsonObject).name, 'model-router-routing');
  const service = (compose.services as JsonObject)['model-router'] as JsonObject;
  const config = (service.configs as JsonObject[])[0]!;
  assert.equal(
    config.target,
    (service.command as string[])[(service.command as string[]).indexOf('--config') + 1],
  );
  assert.equal(
    ((compose.configs as JsonObject)[String(config.source)] as JsonObject).file,
    '../../platform/model-router/config/production.json',
  );
});
