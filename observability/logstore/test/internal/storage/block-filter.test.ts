import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeBlock, type SealedEntry } from '../../../src/internal/storage/block-codec.js';
import {
  buildBlockFilters,
  MAX_FIELDS_PER_BLOCK,
  mayContain,
  mayHoldTrace,
  maySatisfy,
  scanTopLevelFields,
} from '../../../src/internal/storage/block-filter.js';

function filters(entries: SealedEntry[]) {
  const enc = encodeBlock(entries);
  return buildBlockFilters(
    entries.map((e) => e.line),
    enc.lines,
    enc.lineStarts,
    enc.traceIds,
  );
}

const lines = Array.from({ length: 800 }, (_, i) =>
  JSON.stringify({
    level: i % 10 === 0 ? 'ERROR' : 'INFO',
    message: i % 2 ? 'request completed' : 'routed request',
    trace_id: (i * 2654435761).toString(16).padStart(8, '0'),
    latency_ms: 20 + (i % 100),
    status: i % 10 === 0 ? 502 : 200,
  }),
);
const entries: SealedEntry[] = lines.map((line, i) => ({
  ts: BigInt(i),
  line,
  meta: JSON.stringify({ trace_id: `trace-${i}` }),
}));

test('the text filter never rules out a block holding a needle, and rules out most absent words', () => {
  const f = filters(entries);
  for (const needle of ['request completed', 'ERROR', 'latency_ms', '"status":502', 'ro', 'ed r'])
    assert.ok(mayContain(f.textBloom, [needle]), needle);
  // Every substring of a line is a needle the filter must let through.
  for (let i = 0; i < 50; i++) {
    const line = lines[i * 13]!;
    const at = i % (line.length - 8);
    assert.ok(mayContain(f.textBloom, [line.slice(at, at + 8)]));
  }
  const absent = ['needle', 'upstream timeout', 'WARNING', 'kubernetes', 'panic:', 'zzz', 'Exception'];
  assert.ok(absent.filter((n) => mayContain(f.textBloom, [n])).length <= 1);
  assert.equal(mayContain(f.textBloom, ['request', 'needle']), false, 'every needle must pass');
  // A needle made only of hex digits is not indexed: it cannot rule a block out.
  assert.ok(mayContain(f.textBloom, ['deadbeef']));
  assert.ok(mayContain(f.textBloom, ['ab']), 'shorter than a trigram');
});

test('the trace filter never misses a trace id of the block', () => {
  const f = filters(entries);
  for (let i = 0; i < 800; i++) assert.ok(mayHoldTrace(f.traceBloom, `trace-${i}`));
  const false_ = Array.from({ length: 2000 }, (_, i) => `other-${i}`).filter((t) =>
    mayHoldTrace(f.traceBloom, t),
  );
  assert.ok(false_.length < 40, `${false_.length} false positives of 2000`);
  assert.equal(mayHoldTrace(filters([{ ts: 1n, line: 'x', meta: null }]).traceBloom, 'trace-1'), false);
});

test('field bounds rule a block out only when no entry can satisfy them', () => {
  const f = filters(entries);
  assert.deepEqual(JSON.parse(f.fields!).latency_ms, [20, 119]);
  const can = (field: string, op: '>' | '>=' | '<' | '<=' | '==', value: number) =>
    maySatisfy(f.fields, [{ field, op, value }]);
  assert.equal(can('latency_ms', '>', 119), false);
  assert.equal(can('latency_ms', '>', 118), true);
  assert.equal(can('latency_ms', '>=', 119), true);
  assert.equal(can('latency_ms', '<', 20), false);
  assert.equal(can('latency_ms', '<=', 20), true);
  assert.equal(can('latency_ms', '==', 50), true);
  assert.equal(can('latency_ms', '==', 500), false);
  assert.equal(can('status', '>=', 500), true);
  assert.equal(can('absent_field', '>', 0), false, 'no JSON line of the block has it');
  assert.equal(can('level', '>', 0), true, 'not a number in every line: unknown');
  assert.equal(maySatisfy(f.fields, []), true);
  assert.equal(maySatisfy(null, [{ field: 'x', op: '>', value: 1 }]), true, 'not recorded');
});

test('field ranges: a numeric string and the field limit keep a block', () => {
  const mixed = filters([
    { ts: 1n, line: '{"latency_ms":5}', meta: null },
    { ts: 2n, line: '{"latency_ms":"900"}', meta: null },
    { ts: 4n, line: '  {"late":7}', meta: null },
  ]);
  assert.equal(maySatisfy(mixed.fields, [{ field: 'latency_ms', op: '>', value: 100 }]), true);
  assert.equal(maySatisfy(mixed.fields, [{ field: 'late', op: '>', value: 6 }]), true, 'blanks before {');
  assert.equal(maySatisfy(mixed.fields, [{ field: 'late', op: '>', value: 7 }]), false);
  const wide = Object.fromEntries(Array.from({ length: MAX_FIELDS_PER_BLOCK + 5 }, (_, i) => [`f${i}`, i]));
  const many = filters([{ ts: 1n, line: JSON.stringify(wide), meta: null }]);
  assert.equal(Object.keys(JSON.parse(many.fields!)).length, MAX_FIELDS_PER_BLOCK);
  const last = `f${MAX_FIELDS_PER_BLOCK + 4}`;
  assert.equal(maySatisfy(many.fields, [{ field: last, op: '>', value: 1e9 }]), true, 'past the limit');
  assert.equal(maySatisfy(many.fields, [{ field: 'f0', op: '>', value: 1 }]), false);
});

test('field ranges are not recorded where `| json` would keep a line they cannot judge', () => {
  // `| json` fails on a line that is not a JSON object, and an entry with an error passes a numeric label
  // filter; it names nested fields a_b and sanitizes names that are not label names.
  const open = [
    ['not JSON', 'plain text latency_ms=1000'],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"x"'],
    ['broken JSON', '{"latency_ms":'],
    ['a nested object', '{"a":{"b":900}}'],
    ['a nested array', '{"a":[900]}'],
    ['a name json sanitizes', '{"latency-ms":900}'],
  ];
  for (const [what, line] of open) {
    const f = filters([
      { ts: 1n, line: '{"latency_ms":5,"a_b":1}', meta: null },
      { ts: 2n, line: line!, meta: null },
    ]);
    assert.equal(f.fields, null, what);
    for (const field of ['latency_ms', 'a_b', 'latency_ms_x'])
      assert.equal(maySatisfy(f.fields, [{ field, op: '>', value: 100 }]), true, `${what}: ${field}`);
  }
});

test('the field scanner reads every top-level field JSON.parse reads, or hands the line back', () => {
  const lines = [
    '{"a":1,"b":-2.5e3,"c":"x","d":{"e":[1,{"f":"}"}]},"g":[],"h":true,"i":null,"j":false}',
    ' { "a" : 1 , "s" : "with \\"quotes\\" and \\\\" , "n" : 0 } ',
    '{"__proto__":5,"constructor":7}',
    '{"a":1,"a":9}',
    '{}',
    '{"big":1e400,"neg":-0}',
    '{"unicode":"\u00e9✓","k\\u0041":3}',
  ];
  for (const line of lines) {
    const seen = new Map<string, Array<number | undefined>>();
    const ok = scanTopLevelFields(line, (k, v) => seen.set(k, [...(seen.get(k) ?? []), v]));
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (!ok) continue; // handed back: JSON.parse decides
    for (const [k, v] of Object.entries(parsed)) {
      assert.ok(seen.has(k), `${line}: ${k}`);
      if (typeof v === 'number') assert.ok(seen.get(k)!.includes(v), `${line}: ${k}=${v}`);
      else assert.ok(seen.get(k)!.includes(undefined), `${line}: ${k} is not a number`);
    }
  }
  assert.equal(
    scanTopLevelFields('{"a":1', () => {}),
    false,
  );
  assert.equal(
    scanTopLevelFields('[1,2]', () => {}),
    false,
  );
  assert.equal(
    scanTopLevelFields('{"a":1} trailing', () => {}),
    false,
  );
  const f = filters([{ ts: 1n, line: '{"__proto__":5,"x":1}', meta: null }]);
  assert.equal(maySatisfy(f.fields, [{ field: '__proto__', op: '>', value: 4 }]), true);
  assert.equal(maySatisfy(f.fields, [{ field: '__proto__', op: '>', value: 5 }]), false);
  const broken = filters([
    { ts: 1n, line: '{"__proto__":5,"x":1}', meta: null },
    { ts: 2n, line: '{"esc\\"aped":1,"x":"not json', meta: null },
  ]);
  assert.equal(broken.fields, null, 'a line `| json` fails on keeps the block');
});
