// The log store's ruler: the rule groups of every tenant (RuleStorage), each evaluated on its interval through
// the store's instant query (so on the query path, under the tenant's query gate and deadline), its alerts
// sent to Alertmanager (AlertNotifier) and its samples written to Prometheus (RemoteWriter).
//
// Scheduling, per group: an evaluation starts at once when the group is loaded or changed, and the next one is
// due one interval after the previous one *started* (no drift). One group's evaluations never overlap: the next
// is scheduled when the current one ends; an evaluation that ran past one or more due times skips them (counted
// in loki_prometheus_rule_group_iterations_missed_total) and the next starts at the next due time.

import {
  type Alert,
  GroupEvaluator,
  type OutputSample,
  type PostableAlert,
  type RuleStatus,
} from '../../ruler/group-evaluator.js';
import {
  type AlertingRuleDef,
  type ExprCheck,
  parseRuleGroup,
  type RuleGroupDef,
} from '../../ruler/rule-file.js';
import type { LogStoreApi } from '../api/log-store-api.js';
import { LogStoreError } from '../api/log-store-error.js';
import type { StoreMetrics } from '../store-metrics.js';
import { AlertNotifier } from './alert-notifier.js';
import { RemoteWriter } from './remote-write.js';
import { checkNamespace, RuleStorage, ruleGroupObject, type StoredNamespace } from './rule-storage.js';

/** Options of the ruler (the bin's `--rules-dir` and `--ruler-*` flags). */
export interface RulerOptions {
  /** The rule directory, Loki's local rule storage layout (`<dir>/<tenant>/<namespace>.yaml`). */
  readonly rulesDir: string;
  /** Interval of groups that set none (Loki's `evaluation_interval`), ms. @default 60000 */
  readonly evaluationIntervalMs?: number;
  /** Alertmanager base URLs; alerts go to `<url>/api/v2/alerts`. @default [] (alerts are not sent) */
  readonly alertmanagerUrls?: readonly string[];
  /** An `Authorization` header value for the Alertmanagers (basic auth). @default none */
  readonly alertmanagerAuthorization?: string;
  /** How often a firing alert is sent again (Prometheus's `--rules.alert.resend-delay`), ms. @default 60000 */
  readonly resendDelayMs?: number;
  /** Remote-write receiver of the samples (Prometheus's `/api/v1/write`). @default none (not written) */
  readonly remoteWriteUrl?: string;
  /** The ruler's external URL: the base of alerts' generatorURL. @default '' */
  readonly externalUrl?: string;
  /** Most rule groups per tenant (Loki's ruler_max_rule_groups_per_tenant). @default 200 */
  readonly maxRuleGroupsPerTenant?: number;
  /** Most rules per group (Loki's ruler_max_rules_per_rule_group). @default 100 */
  readonly maxRulesPerRuleGroup?: number;
  /** The current time, ms since the epoch (tests move it). @default Date.now */
  readonly now?: () => number;
}

/** A group with its namespace and its evaluator's state, as the Prometheus-format API shows it. */
export interface GroupState {
  readonly namespace: string;
  readonly group: RuleGroupDef;
  readonly intervalMs: number;
  readonly lastEvaluationMs?: number;
  readonly evaluationDurationMs: number;
  readonly rules: readonly RuleStatus[];
  readonly alerts: readonly { rule: AlertingRuleDef; alerts: Alert[] }[];
}

/** The Loki-style `rule_group` label: `<namespace>;<group>`. */
const groupLabel = (namespace: string, group: string) => `${namespace};${group}`;

class GroupRunner {
  readonly evaluator: GroupEvaluator;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  lastEvaluationMs: number | undefined;
  evaluationDurationMs = 0;

  constructor(
    readonly tenant: string,
    readonly namespace: string,
    readonly group: RuleGroupDef,
    readonly intervalMs: number,
    private readonly ruler: Ruler,
  ) {
    this.evaluator = new GroupEvaluator(group, {
      query: (expr, timeMs) => ruler.query(tenant, expr, timeMs),
      externalUrl: ruler.externalUrl,
    });
  }

  get labels() {
    return { user: this.tenant, rule_group: groupLabel(this.namespace, this.group.name) };
  }

  start(): void {
    const m = this.ruler.metrics;
    m.ruleGroupInterval.set(this.labels, this.intervalMs / 1000);
    m.ruleGroupRules.set(this.labels, this.group.rules.length);
    this.schedule(this.ruler.now());
  }

  private schedule(atMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(atMs), Math.max(0, atMs - this.ruler.now()));
    this.timer.unref();
  }

  private tick(dueMs: number): void {
    this.timer = undefined;
    if (this.stopped) return;
    const startMs = this.ruler.now();
    this.running = this.evaluate(startMs)
      // Query failures are the evaluator's (a rule's health); anything else failing in an evaluation is
      // counted against the whole group, and the next evaluation is still scheduled.
      .catch(() => this.ruler.metrics.ruleEvaluationFailures.inc(this.labels, this.group.rules.length))
      .finally(() => {
        this.running = undefined;
        // The next due time after the previous one's start; due times that passed meanwhile are missed.
        let next = Math.max(dueMs, startMs) + this.intervalMs;
        const now = this.ruler.now();
        if (next <= now) {
          const missed = Math.floor((now - next) / this.intervalMs) + 1;
          this.ruler.metrics.ruleGroupIterationsMissed.inc(this.labels, missed);
          next += missed * this.intervalMs;
        }
        this.schedule(next);
      });
  }

  /** One evaluation at `timeMs`: the group, then its alerts and samples handed to the senders. */
  async evaluate(timeMs: number): Promise<void> {
    const { metrics } = this.ruler;
    const result = await this.evaluator.evaluate(timeMs);
    this.lastEvaluationMs = timeMs;
    this.evaluationDurationMs = result.durationMs;
    metrics.ruleEvaluations.inc(this.labels, this.group.rules.length);
    if (result.failures.length) metrics.ruleEvaluationFailures.inc(this.labels, result.failures.length);
    metrics.ruleGroupLastDuration.set(this.labels, result.durationMs / 1000);
    metrics.ruleGroupLastEvaluation.set(this.labels, timeMs / 1000);
    if (this.stopped) return;
    this.ruler.deliver(
      this.tenant,
      this.evaluator.alertsToSend(timeMs, this.ruler.resendDelayMs, this.intervalMs),
      result.samples,
    );
  }

  /**
   * Stops the group: no evaluation starts any more (one running ends first). With `resolve` (the group was
   * replaced or deleted) the firing alerts of its rules not in `kept` are sent as resolved now, so Alertmanager
   * does not keep them until they expire; the alerts of a kept rule fire again from its new group, and a store
   * that shuts down lets every alert expire (its endsAt), as Prometheus does.
   */
  async stop(resolve: boolean, kept: ReadonlySet<string> = new Set()): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.forgetMetrics();
    if (!resolve) return;
    const now = this.ruler.now();
    const resolved: PostableAlert[] = [];
    for (const { rule, alerts } of this.evaluator.alerts()) {
      if (kept.has(rule.name)) continue;
      for (const a of alerts) {
        if (a.state !== 'firing') continue;
        resolved.push({
          labels: { ...a.labels },
          annotations: { ...a.annotations },
          startsAt: new Date(a.firedAtMs ?? a.activeAtMs).toISOString(),
          endsAt: new Date(now).toISOString(),
          generatorURL: `${this.ruler.externalUrl}/graph?g0.expr=${encodeURIComponent(rule.expr)}&g0.tab=1`,
        });
      }
    }
    this.ruler.deliver(this.tenant, resolved, []);
  }

  private forgetMetrics(): void {
    for (const m of [
      this.ruler.metrics.ruleGroupInterval,
      this.ruler.metrics.ruleGroupRules,
      this.ruler.metrics.ruleGroupLastDuration,
      this.ruler.metrics.ruleGroupLastEvaluation,
    ])
      m.remove(this.labels);
  }
}

/** The ruler of one store. */
export class Ruler {
  readonly storage: RuleStorage;
  readonly metrics: StoreMetrics;
  readonly now: () => number;
  readonly resendDelayMs: number;
  readonly externalUrl: string;
  private readonly notifier: AlertNotifier | undefined;
  private readonly writer: RemoteWriter | undefined;
  /** tenant → namespace → group name → runner. */
  private readonly runners = new Map<string, GroupRunner>();
  private started = false;
  /** Changes of one tenant run one at a time (check limits, write, reschedule). */
  private changes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly api: Pick<LogStoreApi, 'instantQuery' | 'metrics' | 'engine'>,
    private readonly options: RulerOptions,
  ) {
    this.metrics = api.metrics;
    this.now = options.now ?? Date.now;
    this.resendDelayMs = options.resendDelayMs ?? 60_000;
    this.externalUrl = options.externalUrl ?? '';
    this.storage = new RuleStorage({ dir: options.rulesDir, checkExpr: this.checkExpr });
    const urls = options.alertmanagerUrls ?? [];
    if (urls.length)
      this.notifier = new AlertNotifier({
        urls,
        metrics: this.metrics,
        ...(options.alertmanagerAuthorization ? { authorization: options.alertmanagerAuthorization } : {}),
      });
    if (options.remoteWriteUrl)
      this.writer = new RemoteWriter({ url: options.remoteWriteUrl, metrics: this.metrics });
  }

  /** Checks an expression with the store's parser: a LogQL metric query. */
  readonly checkExpr: ExprCheck = (expr) => {
    const q = this.api.engine.parse(expr);
    if (q.kind !== 'metric')
      throw new Error('a rule needs a metric query (a sample expression), not a log query');
  };

  /** Loads the rule directory; throws a RuleFileError naming every problem of every bad file. */
  load(): void {
    this.storage.load();
  }

  /** Starts evaluating every group (and every group set from now on). */
  start(): void {
    this.started = true;
    for (const tenant of this.storage.tenantsWithRules())
      for (const ns of this.storage.namespaces(tenant))
        for (const g of ns.groups) this.run(tenant, ns.name, g);
  }

  /** Stops every group (waiting for running evaluations) and the senders. */
  async stop(): Promise<void> {
    this.started = false;
    const runners = [...this.runners.values()];
    this.runners.clear();
    await Promise.all(runners.map((r) => r.stop(false)));
    await Promise.race([
      Promise.all([this.notifier?.idle(), this.writer?.idle()]),
      new Promise((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
    this.notifier?.close();
    this.writer?.close();
  }

  /** Resolves once every queued alert and sample has been handed to its receiver. */
  async idle(): Promise<void> {
    await Promise.all([this.notifier?.idle(), this.writer?.idle()]);
  }

  /** Runs one instant query of a rule for a tenant, on the store's query path. */
  async query(tenant: string, expr: string, timeMs: number) {
    const { data } = await this.api.instantQuery(tenant, {
      query: expr,
      limit: 100,
      direction: 'backward',
      time: BigInt(Math.trunc(timeMs)) * 1_000_000n,
    });
    if (data.resultType === 'vector')
      return data.result.map((s) => ({ labels: s.metric, value: Number(s.value[1]) }));
    if (data.resultType === 'scalar') return [{ labels: {}, value: Number(data.result[1]) }];
    throw new Error(`expected a vector, the query gave ${data.resultType}`);
  }

  /** Hands an evaluation's alerts and samples to the senders (never waits for them). */
  deliver(tenant: string, alerts: readonly PostableAlert[], samples: readonly OutputSample[]): void {
    this.notifier?.send(tenant, alerts);
    this.writer?.write(tenant, samples);
  }

  /** A tenant's namespaces (one, when named). */
  namespaces(tenant: string, namespace?: string): StoredNamespace[] {
    return this.storage.namespaces(tenant, namespace);
  }

  /** One group, or a RULE_GROUP_NOT_FOUND refusal. */
  group(tenant: string, namespace: string, name: string): RuleGroupDef {
    const g = this.storage.group(tenant, namespace, name);
    if (!g) throw new LogStoreError('RULE_GROUP_NOT_FOUND', 'group does not exist');
    return g;
  }

  /**
   * Creates or replaces a group from its YAML (the body of `POST /loki/api/v1/rules/{namespace}`). Throws a
   * RuleFileError naming every problem with its position, or a RULE_LIMIT refusal.
   */
  setGroup(tenant: string, namespace: string, yaml: string): Promise<RuleGroupDef> {
    checkNamespace(namespace);
    const group = parseRuleGroup(yaml, { checkExpr: this.checkExpr, source: namespace });
    const maxRules = this.options.maxRulesPerRuleGroup ?? 100;
    if (maxRules > 0 && group.rules.length > maxRules)
      throw new LogStoreError(
        'RULE_LIMIT',
        `per-user rules per rule group limit (limit: ${maxRules} actual: ${group.rules.length}) exceeded`,
      );
    return this.change(async () => {
      const maxGroups = this.options.maxRuleGroupsPerTenant ?? 200;
      const isNew = !this.storage.group(tenant, namespace, group.name);
      if (isNew && maxGroups > 0 && this.storage.groupCount(tenant) + 1 > maxGroups)
        throw new LogStoreError(
          'RULE_LIMIT',
          `per-user rule groups limit (limit: ${maxGroups} actual: ${this.storage.groupCount(tenant) + 1}) exceeded`,
        );
      const held = this.runners.get(key(tenant, namespace, group.name));
      this.storage.setGroup(tenant, namespace, group);
      // The same group again keeps its runner and its alerts' state, as Prometheus keeps them on a reload.
      if (held && sameGroup(held.group, group)) return group;
      const keptAlerts = new Set(group.rules.filter((r) => r.kind === 'alert').map((r) => r.name));
      await this.stopRunner(tenant, namespace, group.name, keptAlerts);
      this.run(tenant, namespace, group);
      return group;
    });
  }

  /** Deletes a group, or refuses with RULE_GROUP_NOT_FOUND. */
  deleteGroup(tenant: string, namespace: string, name: string): Promise<void> {
    return this.change(async () => {
      if (!this.storage.deleteGroup(tenant, namespace, name))
        throw new LogStoreError('RULE_GROUP_NOT_FOUND', 'group does not exist');
      await this.stopRunner(tenant, namespace, name);
    });
  }

  /** Deletes a namespace, or refuses with RULE_GROUP_NOT_FOUND. */
  deleteNamespace(tenant: string, namespace: string): Promise<void> {
    return this.change(async () => {
      const held = this.storage.namespaces(tenant, namespace)[0];
      if (!held || !this.storage.deleteNamespace(tenant, namespace))
        throw new LogStoreError('RULE_GROUP_NOT_FOUND', 'unable to find the rule group namespace');
      await Promise.all(held.groups.map((g) => this.stopRunner(tenant, namespace, g.name)));
    });
  }

  /** Every group of a tenant with its evaluation state, sorted by namespace, in file order within one. */
  groupStates(tenant: string): GroupState[] {
    return this.storage.namespaces(tenant).flatMap((ns) =>
      ns.groups.map((group) => {
        const r = this.runners.get(key(tenant, ns.name, group.name));
        return {
          namespace: ns.name,
          group,
          intervalMs: this.intervalOf(group),
          ...(r?.lastEvaluationMs !== undefined ? { lastEvaluationMs: r.lastEvaluationMs } : {}),
          evaluationDurationMs: r?.evaluationDurationMs ?? 0,
          rules:
            r?.evaluator.statuses() ??
            group.rules.map((rule) => ({ rule, health: 'unknown' as const, evaluationDurationMs: 0 })),
          alerts: r?.evaluator.alerts() ?? [],
        };
      }),
    );
  }

  private intervalOf(group: RuleGroupDef): number {
    return group.intervalMs ?? this.options.evaluationIntervalMs ?? 60_000;
  }

  private run(tenant: string, namespace: string, group: RuleGroupDef): void {
    if (!this.started) return;
    const runner = new GroupRunner(tenant, namespace, group, this.intervalOf(group), this);
    this.runners.set(key(tenant, namespace, group.name), runner);
    runner.start();
  }

  private async stopRunner(
    tenant: string,
    namespace: string,
    name: string,
    keptAlerts?: ReadonlySet<string>,
  ): Promise<void> {
    const k = key(tenant, namespace, name);
    const r = this.runners.get(k);
    if (!r) return;
    this.runners.delete(k);
    await r.stop(true, keptAlerts);
  }

  private change<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.changes.then(fn);
    this.changes = next.catch(() => undefined);
    return next;
  }
}

const sameGroup = (a: RuleGroupDef, b: RuleGroupDef) =>
  JSON.stringify(ruleGroupObject(a)) === JSON.stringify(ruleGroupObject(b));

const key = (tenant: string, namespace: string, group: string) => JSON.stringify([tenant, namespace, group]);
