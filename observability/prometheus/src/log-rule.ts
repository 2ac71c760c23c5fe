import type { Severity } from './rule.js';

/**
 * One input stream of a LogQL rule test (observability/logstore/README.md, "Unit tests for LogQL rules"):
 * a label set, how many lines at each step in promtool's expanding notation, and the lines, used in turn.
 */
export interface LogTestStream {
  readonly stream: string;
  readonly values: string;
  readonly lines?: readonly string[];
}

/** A LogQL recording rule and the samples it must produce from its group's test input. */
export interface LogRecordingRule {
  readonly record: string;
  readonly expr: string;
  /** What the rule is for; rendered as a comment above it. */
  readonly comment?: string;
  /** Expected samples at the group's `expectAtMinutes`: labels without the name, and the value. */
  readonly expect: readonly { readonly labels: Readonly<Record<string, string>>; readonly value: number }[];
}

/**
 * The test fixture of a log alert: `firing` makes the expression true from `trueFromMinutes` on (one step a
 * minute), so the alert is pending until `trueFromMinutes + for` and firing from then; `healthy` never fires.
 */
export interface LogAlertFixture {
  readonly firing: readonly LogTestStream[];
  readonly healthy: readonly LogTestStream[];
  readonly trueFromMinutes: number;
  /** Labels the firing alert carries besides alertname and the rule's own labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** How `{{ $value ... }}` renders at the firing evaluation. */
  readonly valueText: string;
}

/** A LogQL alerting rule with everything an alert needs: severity, summary, description, runbook, fixture. */
export interface LogAlertRule {
  readonly alert: string;
  readonly expr: string;
  /** Minutes the expression must hold before the alert fires (0: at once). */
  readonly forMinutes: number;
  readonly severity: Severity;
  /** Extra labels (`service`) for routing. */
  readonly labels?: Readonly<Record<string, string>>;
  /** One line; may use `{{ $labels.x }}`. */
  readonly summary: string;
  /** Says what is wrong with the current value: `{{ $value ... }}` and `{{ $labels.x }}`. */
  readonly description: string;
  readonly fixture: LogAlertFixture;
}

/** A LogQL rule group. */
export interface LogRuleGroup {
  readonly name: string;
  readonly recording?: readonly LogRecordingRule[];
  readonly alerts?: readonly LogAlertRule[];
  /** Input streams of the group's recording-rule test. */
  readonly input?: readonly LogTestStream[];
  /** Minutes from the start at which the recording-rule expectations are evaluated. */
  readonly expectAtMinutes?: number;
}

/** One rule namespace of the ruler: a file `<tenant>/<namespace>.yaml` in Loki's local rule storage. */
export interface LogRuleFile {
  readonly namespace: string;
  /** What the file holds, for its header. */
  readonly title: string;
  readonly groups: readonly LogRuleGroup[];
}
