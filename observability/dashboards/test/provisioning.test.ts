import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { DATASOURCES } from '../src/datasources.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (path: string) =>
  parse(readFileSync(join(root, 'observability/grafana/provisioning', path), 'utf8'));

interface Datasource {
  uid: string;
  type: string;
  url: string;
  // biome-ignore lint/suspicious/noExplicitAny: provisioning JSON, read field by field below.
  jsonData: Record<string, any>;
}

test('provisioning creates every data source the dashboards use, with the same uid and type', () => {
  const list = read('datasources/opsight.yaml').datasources as Datasource[];
  for (const ds of Object.values(DATASOURCES)) {
    const found = list.find((d) => d.uid === ds.uid);
    assert.ok(found, ds.uid);
    assert.equal(found.type, ds.type);
    assert.match(found.url, /^\$\{[A-Z_]+\}$/);
  }
});

test('the data sources link exemplar → trace, trace → logs and log line → trace', () => {
  const list = read('datasources/opsight.yaml').datasources as Datasource[];
  const by = (uid: string) => list.find((d) => d.uid === uid) as Datasource;
  const exemplar = by(DATASOURCES.prometheus.uid).jsonData.exemplarTraceIdDestinations[0];
  assert.deepEqual([exemplar.name, exemplar.datasourceUid], ['trace_id', DATASOURCES.jaeger.uid]);
  const toLogs = by(DATASOURCES.jaeger.uid).jsonData.tracesToLogsV2;
  assert.equal(toLogs.datasourceUid, DATASOURCES.loki.uid);
  assert.match(toLogs.query, /\| trace_id="\$\$\{__trace\.traceId\}"/);
  const derived = by(DATASOURCES.loki.uid).jsonData.derivedFields as { datasourceUid: string; url: string }[];
  assert.ok(derived.length >= 1);
  for (const d of derived)
    assert.deepEqual([d.datasourceUid, d.url], [DATASOURCES.jaeger.uid, '$${__value.raw}']);
});

test('the dashboard provider loads the generated files, read-only', () => {
  const [provider] = read('dashboards/opsight.yaml').providers;
  assert.equal(provider.type, 'file');
  assert.equal(provider.allowUiUpdates, false);
  assert.ok(provider.options.path);
});
