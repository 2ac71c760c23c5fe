import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atTarget, countPresence, type FaultRow, noLoss, recoveredWithin, skippedRow } from '../src/row.js';
import { renderMarkdown, renderText } from '../src/table.js';

test('countPresence counts acknowledged ids found, missing and found more than once', () => {
  const found = new Map<number, number>([
    [0, 1],
    [1, 3],
    [5, 2],
  ]);
  // 5 was found but never acknowledged: it counts as duplicated, not present.
  assert.deepEqual(countPresence([0, 1, 2, 3], found), { present: 2, lost: 2, duplicated: 3 });
  assert.deepEqual(countPresence([], new Map()), { present: 0, lost: 0, duplicated: 0 });
});

function row(extra: Partial<FaultRow>): FaultRow {
  return {
    fault: 'f',
    sent: 10,
    acknowledged: 8,
    present: 8,
    lost: 0,
    duplicated: 0,
    requestsFailed: 2,
    recoverySeconds: 1.25,
    targets: [noLoss(0, 'lines'), recoveredWithin(1.25, 30, 'back')],
    note: 'n',
    ...extra,
  };
}

test('a row is at target only when every target is met; never recovering misses', () => {
  assert.equal(atTarget(row({})), true);
  assert.equal(atTarget(row({ targets: [noLoss(1, 'lines')] })), false);
  assert.equal(recoveredWithin(null, 30, 'back').met, false);
  assert.equal(recoveredWithin(31, 30, 'back').met, false);
  assert.equal(noLoss(null, 'lines').met, false, 'an uncounted loss is not a met target');
  assert.equal(atTarget(skippedRow('disk', 'no root')), true);
});

test('the table shows every column, the misses and the skip reasons', () => {
  const rows = [
    row({ fault: 'ok' }),
    row({ fault: 'bad', lost: 3, targets: [noLoss(3, 'lines')] }),
    skippedRow('disk', 'no root'),
  ];
  const md = renderMarkdown(rows, new Date(0));
  assert.match(md, /\| ok \| 10 \| 8 \| 8 \| 0 \| 0 \| 2 \| 1\.3 \| yes \|/);
  assert.match(md, /\| bad \| 10 \| 8 \| 8 \| 3 \| 0 \| 2 \| 1\.3 \| NO \|/);
  assert.match(md, /\| disk \| 0 \| 0 \| - \| - \| - \| 0 \| - \| skipped \|/);
  assert.match(md, /\*\*bad\*\*: n \*\*Missed:\*\* 0 acknowledged lines lost: 3 lost\./);
  assert.match(md, /\*\*disk\*\*: skipped: no root/);
  assert.equal(renderText(rows).split('\n').length, 5);
});
