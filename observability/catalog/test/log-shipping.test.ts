import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOG_FIELDS } from '../src/log-fields.js';
import { LOG_EXTRACTED_FIELDS, LOG_SHIPPING, LOG_STREAM_LABELS } from '../src/log-shipping.js';
import { LOG_LEVELS } from '../src/value-sets.js';

/** The bounded value set of each field the rule may make a stream label. */
const BOUNDED_FIELDS: Record<string, readonly string[]> = { level: LOG_LEVELS };

test('stream labels are {namespace, app, container, pod} from the origin and level from the line', () => {
  assert.deepEqual([...LOG_STREAM_LABELS], ['namespace', 'app', 'container', 'pod', 'level']);
  assert.deepEqual([...LOG_SHIPPING.structuredMetadata], ['trace_id', 'request_id', 'user_id']);
  assert.equal(LOG_SHIPPING.line, 'unchanged');
});

test('only catalog fields with a bounded value set become labels; request ids become structured metadata', () => {
  const fields = new Map(LOG_FIELDS.map((f) => [f.name, f]));
  for (const f of LOG_SHIPPING.fieldLabels) {
    assert.ok(fields.get(f)?.presence === 'always', `${f} is a field of every line`);
    assert.ok(BOUNDED_FIELDS[f], `${f} has no bounded value set: it must not be a stream label`);
  }
  for (const f of LOG_SHIPPING.structuredMetadata)
    assert.equal(fields.get(f)?.presence, 'context', `${f} is a request-context field of the catalog`);
  for (const unbounded of ['trace_id', 'span_id', 'request_id', 'user_id', 'message', 'timestamp'])
    assert.ok(!LOG_STREAM_LABELS.includes(unbounded), `${unbounded} must never be a stream label`);
  assert.equal(fields.get(LOG_SHIPPING.timestampField)?.presence, 'always');
});

test('labels, metadata and origin labels do not overlap; each extracted field once', () => {
  const all = [...LOG_SHIPPING.originLabels, ...LOG_SHIPPING.fieldLabels, ...LOG_SHIPPING.structuredMetadata];
  assert.equal(new Set(all).size, all.length);
  assert.deepEqual(
    [...LOG_EXTRACTED_FIELDS],
    [...LOG_SHIPPING.fieldLabels, ...LOG_SHIPPING.structuredMetadata, LOG_SHIPPING.timestampField],
  );
  assert.ok(Object.isFrozen(LOG_SHIPPING) && Object.isFrozen(LOG_SHIPPING.structuredMetadata));
});
