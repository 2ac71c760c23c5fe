import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { lokiConfigProblems } from '../../src/checks/loki-config.js';
import { repoRoot } from '../../src/paths.js';

test('both Loki configurations use schema v13 on tsdb with structured metadata and retention', () => {
  for (const file of ['loki-single-binary.yaml', 'loki-simple-scalable.yaml']) {
    const config = parse(readFileSync(join(repoRoot, 'observability/loki', file), 'utf8'));
    assert.deepEqual(lokiConfigProblems(config), [], file);
    assert.equal(config.limits_config.retention_period, '744h');
  }
});

test('a Loki configuration without what Opsight needs is reported', () => {
  const problems = lokiConfigProblems({
    schema_config: {
      configs: [{ from: '2024-04-01', store: 'boltdb-shipper', object_store: 'gcs', schema: 'v12' }],
    },
    compactor: { retention_enabled: true },
    common: { ring: { kvstore: { store: 'memberlist' } } },
  }).join('\n');
  for (const expected of [
    /http_listen_port/,
    /newest schema is v12/,
    /store is boltdb-shipper/,
    /object_store gcs/,
    /tsdb_shipper.active_index_directory/,
    /allow_structured_metadata/,
    /delete_request_store/,
    /retention_period/,
    /join_members/,
    /auth_enabled is not true/,
    /ruler is not configured/,
  ])
    assert.match(problems, expected);
  assert.match(lokiConfigProblems({}).join('\n'), /schema_config.configs is empty/);
});

test('a ruler without its rules directory, Alertmanager or remote write client is reported', () => {
  const problems = lokiConfigProblems({
    ruler: { storage: { type: 's3' }, remote_write: { enabled: true } },
  }).join('\n');
  for (const expected of [
    /ruler.storage is not a local directory/,
    /ruler.alertmanager_url/,
    /ruler.remote_write/,
  ])
    assert.match(problems, expected);
});

test('both Loki configurations read the rules where deploy mounts them, the generated rule files', () => {
  for (const file of ['loki-single-binary.yaml', 'loki-simple-scalable.yaml']) {
    const config = parse(readFileSync(join(repoRoot, 'observability/loki', file), 'utf8'));
    assert.equal(config.ruler.storage.local.directory, '/etc/loki-rules', file);
  }
  const compose = readFileSync(join(repoRoot, 'deploy/compose/compose.yaml'), 'utf8');
  assert.match(compose, /- \.\.\/\.\.\/observability\/loki\/rules:\/etc\/loki-rules:ro/);
  assert.match(compose, /--web\.enable-remote-write-receiver/);
  const statefulset = readFileSync(
    join(repoRoot, 'deploy/k8s/base/monitoring/loki-statefulset.yaml'),
    'utf8',
  );
  assert.match(statefulset, /mountPath: \/etc\/loki-rules\/opsight/);
});
