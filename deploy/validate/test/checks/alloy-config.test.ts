import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { alloyConfigProblems, readAlloyBlocks } from '../../src/checks/alloy-config.js';
import { repoRoot } from '../../src/paths.js';

test('the Alloy configuration defines every component it references, with the required arguments', () => {
  const source = readFileSync(join(repoRoot, 'observability/alloy/config.alloy'), 'utf8');
  assert.deepEqual(alloyConfigProblems(source), []);
  assert.deepEqual(
    readAlloyBlocks(source).map((b) => b.name),
    [
      'discovery.kubernetes',
      'discovery.relabel',
      'local.file_match',
      'loki.source.file',
      'loki.process',
      'loki.write',
    ],
  );
});

test('a broken Alloy configuration is reported', () => {
  const problems = alloyConfigProblems(`
    // a comment with { a brace
    loki.source.file "a" {
      targets = []
      forward_to = [loki.process.missing.receiver]
    }
    loki.write "default" {
      endpoint { headers = { "x" = "}" } }
    }
    loki.write "default" { endpoint { url = "http://x" } }
    loki.magic "m" { }
    loki.process { forward_to = [] }
  `).join('\n');
  for (const expected of [
    /reference to undefined loki.process.missing/,
    /loki.write.default: endpoint has no url/,
    /loki.write.default is defined twice/,
    /unknown component loki.magic/,
    /loki.process has no label/,
    /loki.write.default: endpoint has no tenant_id/,
  ])
    assert.match(problems, expected);
  // The Docker socket is root on the host: reading container logs through it is refused.
  assert.match(
    alloyConfigProblems(`
      discovery.docker "c" { host = "unix:///var/run/docker.sock" }
      loki.write "w" { endpoint {
        url = "http://loki:3100/loki/api/v1/push"
        tenant_id = "opsight"
      } }
    `).join('\n'),
    /discovery.docker.c: reads the Docker socket/,
  );
  assert.match(alloyConfigProblems('loki.write "x" {').join('\n'), /not closed/);
  assert.match(alloyConfigProblems('loki.write "x" { url = "open }').join('\n'), /unterminated string/);
});
