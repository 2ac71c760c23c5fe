// The wire codecs the stores, the collector and the supervisor share.
export {
  type AnyValue,
  type AnyValueField,
  anyValueField,
  anyValueToJs,
  type Int64,
  int64ToBigInt,
  type KeyValue,
  toAnyValue,
  toKeyValues,
} from './any-value.js';
export { type CriLine, type CriStream, criLineHead, parseCriLine } from './cri-line.js';
export { type DurationUnits, formatDuration, parseDuration, tryParseDuration } from './duration.js';
export {
  compileRegex,
  type LabelMatcher,
  labelMatcher,
  MATCH_OPS,
  type MatchOp,
  matchesLabel,
  matchesLabels,
  RegexSyntaxError,
} from './label-matcher.js';
export { formatRfc3339Nano, parseRfc3339Nano, parseTimestamp } from './timestamp.js';
