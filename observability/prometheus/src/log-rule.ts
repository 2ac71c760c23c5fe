import type { AlertFixture, AlertRule, RecordingRule, RuleGroup } from './rule.js';

/**
 * One input stream of a LogQL rule test (observability/logstore/README.md, "Unit tests for LogQL rules"):
 * a label set, how many lines at each step in promtool's expanding notation, and the lines, used in turn.
 */
export interface LogTestStream {
  readonly stream: string;
  readonly values: string;
  readonly lines?: readonly string[];
}

/** A LogQL recording rule and the samples it must produce from its group's test input (no extra labels). */
export type LogRecordingRule = Omit<RecordingRule, 'labels'>;

/**
 * The test fixture of a log alert: `firing` makes the expression true from `trueFromMinutes` on (one step a
 * minute), so the alert is pending until `trueFromMinutes + for` and firing from then; `healthy` never fires.
 */
export type LogAlertFixture = AlertFixture<LogTestStream>;

/** A LogQL alerting rule with everything an alert needs: severity, summary, description, runbook, fixture. */
export type LogAlertRule = AlertRule<LogTestStream>;

/** A LogQL rule group; `input` holds the streams of its recording-rule test. */
export type LogRuleGroup = RuleGroup<LogTestStream, LogRecordingRule>;

/** One rule namespace of the ruler: a file `<tenant>/<namespace>.yaml` in Loki's local rule storage. */
export interface LogRuleFile {
  readonly namespace: string;
  /** What the file holds, for its header. */
  readonly title: string;
  readonly groups: readonly LogRuleGroup[];
}
