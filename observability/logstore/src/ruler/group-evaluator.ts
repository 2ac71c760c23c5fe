// Evaluates a rule group at a time, as Prometheus's rule manager (and so Loki's ruler) does. Recording rules
// turn their expression's samples into series named by the rule; alerting rules keep a state per label set:
//
//   inactive ──(expression returns it)──▶ pending ──(held for `for`)──▶ firing
//   pending  ──(gone)──▶ dropped
//   firing   ──(gone, for `keep_firing_for`)──▶ still firing, then inactive (resolved; kept 15 minutes so the
//                                                resolution is sent, then dropped)
//
// and writes `ALERTS{alertname, alertstate, …} 1` and `ALERTS_FOR_STATE{alertname, …} <activeAt seconds>` for
// every pending or firing alert. The query runs elsewhere (`InstantQuery`): the ruler's query path, or the
// in-memory store of the rule test runner.
import { formatLabels } from '../internal/labels.js';
import { expandAlertTemplate, type TemplateData } from './alert-template.js';
import type { AlertingRuleDef, RecordingRuleDef, RuleDef, RuleGroupDef } from './rule-file.js';

/** One sample of an instant vector. */
export interface VectorSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Runs an instant LogQL query at `timeMs` (ms since the epoch); rejects when the query fails. */
export type InstantQuery = (expr: string, timeMs: number) => Promise<readonly VectorSample[]>;

export type AlertState = 'pending' | 'firing' | 'inactive';

/** An alert of an alerting rule, with the times of its state changes (ms since the epoch). */
export interface Alert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: AlertState;
  readonly value: number;
  /** When the expression first returned it (this time round). */
  readonly activeAtMs: number;
  /** When it started firing. */
  readonly firedAtMs?: number;
  /** When it was resolved. */
  readonly resolvedAtMs?: number;
  /** When its expression stopped returning it while `keep_firing_for` holds it firing. */
  readonly keepFiringSinceMs?: number;
  /** When it was last handed out by {@link GroupEvaluator.alertsToSend}. */
  readonly lastSentAtMs?: number;
}

/** How a rule did at its last evaluation. */
export interface RuleStatus {
  readonly rule: RuleDef;
  /** `unknown` before the first evaluation, `err` when the last one failed. */
  readonly health: 'ok' | 'err' | 'unknown';
  readonly lastError?: string;
  readonly lastEvaluationMs?: number;
  /** Wall time the last evaluation took, ms. */
  readonly evaluationDurationMs: number;
}

/** A sample the evaluation writes: a recorded series, or ALERTS / ALERTS_FOR_STATE. `__name__` is in labels. */
export interface OutputSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timeMs: number;
}

/** What one evaluation of a group did. */
export interface GroupEvaluation {
  readonly timeMs: number;
  readonly samples: readonly OutputSample[];
  /** Rules that failed (query error, duplicate series, limit), with the message. */
  readonly failures: readonly { readonly rule: RuleDef; readonly error: string }[];
  /** Wall time of the whole group, ms. */
  readonly durationMs: number;
}

/** An alert in Alertmanager's v2 API shape (`POST /api/v2/alerts`). */
export interface PostableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
}

/** Options of a group's evaluator. */
export interface GroupEvaluatorOptions {
  /** Runs the rules' expressions. */
  readonly query: InstantQuery;
  /** Labels of this ruler, visible to templates as `$externalLabels`. @default {} */
  readonly externalLabels?: Readonly<Record<string, string>>;
  /** The ruler's external URL (`$externalURL`, and the base of `generatorURL`). @default '' */
  readonly externalUrl?: string;
  /** How long a resolved alert is kept (and re-sent as resolved), ms; Prometheus's value. @default 900000 */
  readonly resolvedRetentionMs?: number;
  /** Builds an alert's `generatorURL` from its expression. @default the external URL + `/graph?g0.expr=` */
  readonly generatorUrl?: (expr: string) => string;
}

interface MutableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: AlertState;
  value: number;
  activeAtMs: number;
  firedAtMs?: number;
  resolvedAtMs?: number;
  keepFiringSinceMs?: number;
  lastSentAtMs?: number;
}

interface RuleRuntime {
  rule: RuleDef;
  status: RuleStatus;
  /** Alerting rules: label fingerprint → alert. */
  active: Map<string, MutableAlert>;
}

const DEFAULT_RESOLVED_RETENTION_MS = 15 * 60_000;

/** Evaluates one group; it holds the alert state between evaluations. */
export class GroupEvaluator {
  private readonly runtimes: RuleRuntime[];
  private readonly resolvedRetentionMs: number;

  constructor(
    readonly group: RuleGroupDef,
    private readonly options: GroupEvaluatorOptions,
  ) {
    this.resolvedRetentionMs = options.resolvedRetentionMs ?? DEFAULT_RESOLVED_RETENTION_MS;
    this.runtimes = group.rules.map((rule) => ({
      rule,
      status: { rule, health: 'unknown', evaluationDurationMs: 0 },
      active: new Map(),
    }));
  }

  /** Evaluates every rule of the group, in order, at `timeMs`. A failing rule does not stop the others. */
  async evaluate(timeMs: number): Promise<GroupEvaluation> {
    const started = performance.now();
    const samples: OutputSample[] = [];
    const failures: { rule: RuleDef; error: string }[] = [];
    for (const rt of this.runtimes) {
      const ruleStarted = performance.now();
      try {
        const out =
          rt.rule.kind === 'record'
            ? await this.evalRecording(rt.rule, timeMs)
            : await this.evalAlerting(rt, rt.rule, timeMs);
        samples.push(...out);
        rt.status = {
          rule: rt.rule,
          health: 'ok',
          lastEvaluationMs: timeMs,
          evaluationDurationMs: performance.now() - ruleStarted,
        };
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        failures.push({ rule: rt.rule, error });
        rt.status = {
          rule: rt.rule,
          health: 'err',
          lastError: error,
          lastEvaluationMs: timeMs,
          evaluationDurationMs: performance.now() - ruleStarted,
        };
      }
    }
    return { timeMs, samples, failures, durationMs: performance.now() - started };
  }

  /** Every rule's status. */
  statuses(): RuleStatus[] {
    return this.runtimes.map((rt) => rt.status);
  }

  /** The pending and firing alerts of an alerting rule (of every rule when `alertName` is undefined). */
  activeAlerts(alertName?: string): Alert[] {
    return this.runtimes
      .filter((rt) => rt.rule.kind === 'alert' && (alertName === undefined || rt.rule.name === alertName))
      .flatMap((rt) => [...rt.active.values()].filter((a) => a.state !== 'inactive').map((a) => ({ ...a })));
  }

  /** Every alert held, resolved ones included, by rule. */
  alerts(): { rule: AlertingRuleDef; alerts: Alert[] }[] {
    return this.runtimes
      .filter((rt): rt is RuleRuntime & { rule: AlertingRuleDef } => rt.rule.kind === 'alert')
      .map((rt) => ({ rule: rt.rule, alerts: [...rt.active.values()].map((a) => ({ ...a })) }));
  }

  /**
   * The alerts to send to Alertmanager after the evaluation at `timeMs`, as Prometheus sends them: firing
   * alerts at most every `resendDelayMs` (valid for four times the larger of that and the group interval);
   * a resolved alert at once, then every `resendDelayMs` while it is kept (15 minutes); pending alerts never.
   */
  alertsToSend(timeMs: number, resendDelayMs: number, intervalMs: number): PostableAlert[] {
    const out: PostableAlert[] = [];
    const validFor = 4 * Math.max(resendDelayMs, intervalMs);
    for (const rt of this.runtimes) {
      if (rt.rule.kind !== 'alert') continue;
      for (const a of rt.active.values()) {
        if (a.state === 'pending') continue;
        const resolvedSinceSent =
          a.resolvedAtMs !== undefined && (a.lastSentAtMs === undefined || a.resolvedAtMs > a.lastSentAtMs);
        const due = a.lastSentAtMs === undefined || a.lastSentAtMs + resendDelayMs < timeMs;
        if (!resolvedSinceSent && !due) continue;
        a.lastSentAtMs = timeMs;
        out.push({
          labels: { ...a.labels },
          annotations: { ...a.annotations },
          startsAt: new Date(a.firedAtMs ?? a.activeAtMs).toISOString(),
          endsAt: new Date(a.resolvedAtMs ?? timeMs + validFor).toISOString(),
          generatorURL: this.generatorUrl(rt.rule.expr),
        });
      }
    }
    return out;
  }

  private generatorUrl(expr: string): string {
    if (this.options.generatorUrl) return this.options.generatorUrl(expr);
    return `${this.options.externalUrl ?? ''}/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1`;
  }

  private async evalRecording(rule: RecordingRuleDef, timeMs: number): Promise<OutputSample[]> {
    const result = await this.options.query(rule.expr, timeMs);
    const out: OutputSample[] = [];
    const seen = new Set<string>();
    for (const s of result) {
      const labels: Record<string, string> = { ...s.labels, ...rule.labels, __name__: rule.name };
      for (const [k, v] of Object.entries(labels)) if (v === '') delete labels[k];
      const key = formatLabels(labels);
      if (seen.has(key))
        throw new Error('vector contains metrics with the same labelset after applying rule labels');
      seen.add(key);
      out.push({ labels, value: s.value, timeMs });
    }
    if (this.group.limit > 0 && out.length > this.group.limit)
      throw new Error(`exceeded limit ${this.group.limit} with ${out.length} series`);
    return out;
  }

  private async evalAlerting(
    rt: RuleRuntime,
    rule: AlertingRuleDef,
    timeMs: number,
  ): Promise<OutputSample[]> {
    const result = await this.options.query(rule.expr, timeMs);
    const fresh = new Map<string, MutableAlert>();
    for (const s of result) {
      const data: TemplateData = {
        labels: withoutName(s.labels),
        value: s.value,
        externalLabels: this.options.externalLabels ?? {},
        externalUrl: this.options.externalUrl ?? '',
      };
      const labels: Record<string, string> = withoutName(s.labels);
      for (const [name, tmpl] of Object.entries(rule.labels)) {
        const value = expandAlertTemplate(tmpl, data, `__alert_${rule.name}`);
        if (value === '') delete labels[name];
        else labels[name] = value;
      }
      labels.alertname = rule.name;
      const annotations: Record<string, string> = {};
      for (const [name, tmpl] of Object.entries(rule.annotations)) {
        annotations[name] = expandAlertTemplate(tmpl, data, `__alert_${rule.name}`);
      }
      const key = formatLabels(labels);
      if (fresh.has(key))
        throw new Error('vector contains metrics with the same labelset after applying alert labels');
      fresh.set(key, { labels, annotations, state: 'pending', value: s.value, activeAtMs: timeMs });
    }
    for (const [key, alert] of fresh) {
      const held = rt.active.get(key);
      if (held && held.state !== 'inactive') {
        held.value = alert.value;
        held.annotations = alert.annotations;
        continue;
      }
      rt.active.set(key, alert);
    }
    const out: OutputSample[] = [];
    let activeCount = 0;
    for (const [key, a] of rt.active) {
      if (!fresh.has(key)) {
        let keepFiring = false;
        if (a.state === 'firing' && rule.keepFiringForMs > 0) {
          a.keepFiringSinceMs ??= timeMs;
          if (timeMs - a.keepFiringSinceMs < rule.keepFiringForMs) keepFiring = true;
        }
        // A pending alert that is gone is dropped; a resolved one once its retention is over.
        if (
          a.state === 'pending' ||
          (a.resolvedAtMs !== undefined && timeMs - a.resolvedAtMs > this.resolvedRetentionMs)
        ) {
          rt.active.delete(key);
        }
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAtMs = timeMs;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSinceMs = undefined;
      }
      activeCount++;
      if (a.state === 'pending' && timeMs - a.activeAtMs >= rule.forMs) {
        a.state = 'firing';
        a.firedAtMs = timeMs;
      }
      out.push(
        { labels: { __name__: 'ALERTS', ...a.labels, alertstate: a.state }, value: 1, timeMs },
        { labels: { __name__: 'ALERTS_FOR_STATE', ...a.labels }, value: a.activeAtMs / 1000, timeMs },
      );
    }
    if (this.group.limit > 0 && activeCount > this.group.limit) {
      rt.active.clear();
      throw new Error(`exceeded limit of ${this.group.limit} with ${activeCount} alerts`);
    }
    return out;
  }
}

function withoutName(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { __name__: _, ...rest } = labels;
  return rest;
}
