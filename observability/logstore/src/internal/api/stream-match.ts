// Whether a pushed entry's stream is one a live tail's selector picks.
import { type LabelMatcher, matchesLabel } from '@opsight/contracts/codecs';
import type { Labels } from '../labels.js';

/**
 * Whether a stream's labels satisfy every matcher of a selector. A `trace_id` matcher on a stream without
 * that label passes here: the pipeline checks it against the entry's structured metadata.
 */
export function matchesStream(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  return matchers.every(
    (m) => (m.name === 'trace_id' && labels.trace_id === undefined) || matchesLabel(m, labels[m.name]),
  );
}
