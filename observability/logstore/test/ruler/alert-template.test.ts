import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AlertTemplate,
  expandAlertTemplate,
  humanize,
  humanizeDuration,
  TemplateError,
} from '../../src/ruler/alert-template.js';
import { goFloat, goG } from '../../src/ruler/go-format.js';

const data = { labels: { app: 'model-router', user_id: 'u-1' }, value: 0.123456 };

test('$labels, .Labels, $value and .Value expand as Prometheus expands them', () => {
  const t = AlertTemplate.parse(
    '{{ $labels.app }}/{{ .Labels.user_id }}: {{ $value }} {{ .Value }} {{ $labels.missing }}',
  );
  assert.equal(t.expand(data), 'model-router/u-1: 0.123456 0.123456 <no value>');
});

test('formatting functions: humanize, humanizePercentage, humanizeDuration, printf, pipelines', () => {
  const expand = (text: string, value: number) => AlertTemplate.parse(text).expand({ labels: {}, value });
  assert.equal(expand('{{ $value | humanize }}', 1234567), '1.235M');
  assert.equal(expand('{{ humanize $value }}', 0.05), '50m');
  assert.equal(expand('{{ $value | humanizePercentage }}', 0.0512), '5.12%');
  assert.equal(expand('{{ $value | humanizeDuration }}', 93784), '1d 2h 3m 4s');
  assert.equal(expand('{{ printf "%.2f" $value }}', 2.345), '2.35');
  assert.equal(expand('{{ printf "%s=%d" "n" 3 }}', 0), 'n=3');
  assert.equal(expand('{{ "x" | toUpper }}   {{- "|" -}}   y', 0), 'X|y');
  assert.equal(expand('a{{/* comment */}}b', 0), 'ab');
});

test("numbers print as Go's %v and %.4g print them", () => {
  assert.deepEqual([1e6, 123456, 0.0001, 0.00001, 2.5, -3, 1 / 3].map(goFloat), [
    '1e+06',
    '123456',
    '0.0001',
    '1e-05',
    '2.5',
    '-3',
    '0.3333333333333333',
  ]);
  assert.deepEqual(
    [12346, 2.5, 0.05, 1000, 100000].map((v) => goG(v, 4)),
    ['1.235e+04', '2.5', '0.05', '1000', '1e+05'],
  );
  assert.equal(humanize(0), '0');
  assert.equal(humanize(1000), '1k');
  assert.equal(humanizeDuration(0.25), '250ms');
  assert.equal(humanizeDuration(90), '1m 30s');
});

test('what the subset does not read is refused when parsed, with its place', () => {
  assert.throws(
    () => AlertTemplate.parse('ok {{ query "up" }}', 'summary'),
    (e: Error) =>
      e instanceof TemplateError && e.message === 'template: summary:1:4: function "query" not defined',
  );
  assert.throws(
    () => AlertTemplate.parse('{{ range $labels }}{{ end }}'),
    /"range" actions are not supported/,
  );
  assert.throws(() => AlertTemplate.parse('{{ $labels.app'), /unclosed action/);
  assert.throws(() => AlertTemplate.parse('{{ $nope }}'), /undefined variable or field "\$nope"/);
});

test('a function that fails at expansion gives the error text, as Prometheus sends it', () => {
  assert.equal(
    expandAlertTemplate('{{ humanize $labels.app }}', data),
    '<error expanding template: cannot convert "model-router" to a number>',
  );
});
