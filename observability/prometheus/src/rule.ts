/** How urgent an alert is: `page` wakes someone up, `ticket` is handled in working hours. */
export type Severity = 'page' | 'ticket';

/** One input series of a promtool test, in promtool's expanding notation (`0+60x10`), one sample a minute. */
export interface TestSeries {
  readonly series: string;
  readonly values: string;
}

/** A recording rule and the samples it must produce from its group's test input. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** What the rule is for; rendered as a comment above it. */
  readonly comment?: string;
  /** Expected samples at `expectAt` (promtool `exp_samples`): labels without the name, and the value. */
  readonly expect: readonly { readonly labels: Readonly<Record<string, string>>; readonly value: number }[];
}

/**
 * The promtool fixture of an alert: `firing` makes the expression true from `trueFrom` on, so the alert is
 * pending until `trueFrom + for` and firing from then; `healthy` must never fire.
 */
export interface AlertFixture<Input = TestSeries> {
  readonly firing: readonly Input[];
  readonly healthy: readonly Input[];
  /** First evaluation (a whole number of minutes from the start) at which the expression is true. */
  readonly trueFromMinutes: number;
  /** Labels the firing alert carries besides alertname and the rule's own labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** How `{{ $value ... }}` renders at the firing evaluation. */
  readonly valueText: string;
}

/** An alerting rule with everything an alert needs (docs/architecture.md, "Metrics": alerts). */
export interface AlertRule<Input = TestSeries> {
  readonly alert: string;
  readonly expr: string;
  /** Minutes the expression must hold before the alert fires (0: at once). */
  readonly forMinutes: number;
  readonly severity: Severity;
  /** Extra labels (`service`, `slo`) for routing. */
  readonly labels?: Readonly<Record<string, string>>;
  /** One line; may use `{{ $labels.x }}`. */
  readonly summary: string;
  /** Says what is wrong with the current value: `{{ $value ... }}` and `{{ $labels.x }}`. */
  readonly description: string;
  readonly fixture: AlertFixture<Input>;
}

/** A rule group; `tests` is the promtool input shared by its recording rules' expectations. */
export interface RuleGroup<Input = TestSeries, Recording = RecordingRule> {
  readonly name: string;
  readonly recording?: readonly Recording[];
  readonly alerts?: readonly AlertRule<Input>[];
  /** Input series of the group's recording-rule test. */
  readonly input?: readonly Input[];
  /** Minutes from the start at which the recording-rule expectations are evaluated. */
  readonly expectAtMinutes?: number;
}

/** One rendered rule file under observability/prometheus/rules/. */
export interface RuleFile {
  /** File name, e.g. `strategy.yml`. */
  readonly file: string;
  /** What the file holds, for its header. */
  readonly title: string;
  readonly groups: readonly RuleGroup[];
}
