// Loki's rules API (what Grafana's Loki data source lists and edits rules with), and the Prometheus-format
// views of the ruler's state:
//
//   GET    /loki/api/v1/rules                      YAML: every namespace → its groups (404 when none)
//   GET    /loki/api/v1/rules/{namespace}          YAML: that namespace → its groups (404 when none)
//   GET    /loki/api/v1/rules/{namespace}/{group}  YAML: the group (404 when none)
//   POST   /loki/api/v1/rules/{namespace}          a YAML group body: created or replaced → 202
//   DELETE /loki/api/v1/rules/{namespace}/{group}  → 202 (404 when none)
//   DELETE /loki/api/v1/rules/{namespace}          → 202 (404 when none)
//   GET    /prometheus/api/v1/rules                JSON: groups, rules, health, last evaluation, alerts
//   GET    /prometheus/api/v1/alerts               JSON: pending and firing alerts
//
// `/api/prom/rules…` is the older name of `/loki/api/v1/rules…`. Namespace and group are path segments,
// path-escaped. A body that is not a valid group is answered 400 INVALID_RULE_GROUP with every problem (its
// line and column in the body, the group, the rule's index and name).
import type { ServerResponse } from 'node:http';
import { formatRuleProblem, RuleFileError } from '../../../ruler/rule-file.js';
import { LogStoreError } from '../../api/log-store-error.js';
import { ruleGroupObject, ruleYaml } from '../../ruler/rule-storage.js';
import type { GroupState, Ruler } from '../../ruler/ruler.js';
import { readBody, sendJson } from '../request.js';
import type { RouteContext } from './route.js';

/** The media types a rule group body may declare. */
export const RULE_BODY_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'] as const;

/** Largest rule group body, bytes. */
export const MAX_RULE_BODY_BYTES = 1024 * 1024;

/** The path prefixes of the rules API. */
export const RULES_PATHS = ['/loki/api/v1/rules', '/api/prom/rules'] as const;

/** Whether a path is one of the rules API's (the config API, which takes YAML bodies). */
export function isRulesPath(path: string): boolean {
  return RULES_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function sendYaml(res: ServerResponse, value: unknown): void {
  const text = ruleYaml(value);
  res.writeHead(200, {
    'content-type': 'application/yaml',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function accepted(res: ServerResponse): void {
  sendJson(res, 202, { status: 'success', data: null, errorType: '', error: '' });
}

function rulerOf(ctx: RouteContext): Ruler {
  if (!ctx.ruler)
    throw new LogStoreError('RULER_DISABLED', 'the ruler is not enabled (start the store with --rules-dir)');
  return ctx.ruler;
}

/** The path segments after the prefix, path-unescaped. */
function segments(path: string, prefix: string): string[] {
  const rest = path.slice(prefix.length).replace(/^\/+/, '');
  if (rest === '') return [];
  return rest.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new LogStoreError('INVALID_NAMESPACE', `cannot path-unescape ${JSON.stringify(s)}`, {
        field: 'namespace',
      });
    }
  });
}

/** The rules API (Loki's config API); returns the route name for the request-duration metric. */
export async function rulesConfigRoute(ctx: RouteContext, path: string): Promise<string> {
  const prefix = RULES_PATHS.find((p) => path === p || path.startsWith(`${p}/`))!;
  const parts = segments(path, prefix);
  const method = ctx.req.method ?? 'GET';
  if (parts.length > 2) throw new LogStoreError('NOT_FOUND', `no route for ${method} ${ctx.url.pathname}`);
  const [namespace, group] = parts;
  const ruler = rulerOf(ctx);
  const tenant = ctx.tenant();
  const route = `/loki/api/v1/rules${namespace === undefined ? '' : group === undefined ? '/{namespace}' : '/{namespace}/{groupName}'}`;
  if (method === 'GET') {
    if (group !== undefined) {
      sendYaml(ctx.res, ruleGroupObject(ruler.group(tenant, namespace!, group)));
      return route;
    }
    const namespaces = ruler.namespaces(tenant, namespace);
    if (namespaces.length === 0) throw new LogStoreError('RULE_GROUP_NOT_FOUND', 'no rule groups found');
    sendYaml(ctx.res, Object.fromEntries(namespaces.map((n) => [n.name, n.groups.map(ruleGroupObject)])));
    return route;
  }
  if (method === 'POST' && namespace !== undefined && group === undefined) {
    const body = await readBody(ctx.req, MAX_RULE_BODY_BYTES);
    try {
      await ruler.setGroup(tenant, namespace, body.toString('utf8'));
    } catch (e) {
      if (!(e instanceof RuleFileError)) throw e;
      sendJson(ctx.res, 400, {
        status: 'error',
        code: 'INVALID_RULE_GROUP',
        error: e.problems.map(formatRuleProblem).join('\n'),
        problems: e.problems.map((p) => ({
          line: p.line,
          column: p.column,
          ...(p.group !== undefined ? { group: p.group } : {}),
          ...(p.ruleIndex !== undefined ? { rule_index: p.ruleIndex, rule: p.ruleName ?? '' } : {}),
          message: p.message,
        })),
      });
      return route;
    }
    accepted(ctx.res);
    return route;
  }
  if (method === 'DELETE' && namespace !== undefined) {
    if (group !== undefined) await ruler.deleteGroup(tenant, namespace, group);
    else await ruler.deleteNamespace(tenant, namespace);
    accepted(ctx.res);
    return route;
  }
  throw new LogStoreError(
    'METHOD_NOT_ALLOWED',
    namespace === undefined
      ? 'use GET'
      : group === undefined
        ? 'use GET, POST or DELETE'
        : 'use GET or DELETE',
  );
}

/** A float as Go's strconv.FormatFloat(v, 'e', -1, 64) writes it: `1e+00`, `5.5e-01`. */
export function goExponent(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}

const iso = (ms: number | undefined) => (ms === undefined ? ZERO_TIME : new Date(ms).toISOString());

function alertJson(a: GroupState['alerts'][number]['alerts'][number]) {
  return {
    labels: a.labels,
    annotations: a.annotations,
    state: a.state,
    activeAt: new Date(a.activeAtMs).toISOString(),
    value: goExponent(a.value),
  };
}

function groupJson(g: GroupState, only: 'alerting' | 'recording' | undefined) {
  const alertsOf = new Map(g.alerts.map((r) => [r.rule, r.alerts.filter((a) => a.state !== 'inactive')]));
  const rules = g.rules
    .map((s) => {
      const common = {
        name: s.rule.name,
        query: s.rule.expr,
        labels: s.rule.labels,
        health: s.health,
        lastError: s.lastError ?? '',
        lastEvaluation: iso(s.lastEvaluationMs),
        evaluationTime: s.evaluationDurationMs / 1000,
      };
      if (s.rule.kind === 'record') return { ...common, type: 'recording' as const };
      const alerts = alertsOf.get(s.rule) ?? [];
      return {
        state: alerts.some((a) => a.state === 'firing')
          ? 'firing'
          : alerts.some((a) => a.state === 'pending')
            ? 'pending'
            : 'inactive',
        ...common,
        duration: s.rule.forMs / 1000,
        keepFiringFor: s.rule.keepFiringForMs / 1000,
        annotations: s.rule.annotations,
        alerts: alerts.map(alertJson),
        type: 'alerting' as const,
      };
    })
    .filter((r) => only === undefined || r.type === only);
  return {
    name: g.group.name,
    file: g.namespace,
    rules,
    interval: g.intervalMs / 1000,
    limit: g.group.limit,
    lastEvaluation: iso(g.lastEvaluationMs),
    evaluationTime: g.evaluationDurationMs / 1000,
  };
}

/** GET /prometheus/api/v1/rules (`type=alert|record` keeps one kind, as Prometheus's API does). */
export async function prometheusRules(ctx: RouteContext): Promise<void> {
  const ruler = rulerOf(ctx);
  const tenant = ctx.tenant();
  const type = (await ctx.params()).get('type');
  if (type !== null && type !== '' && type !== 'alert' && type !== 'record')
    throw new LogStoreError('INVALID_PARAMETER', `unsupported type '${type}': use alert or record`, {
      field: 'type',
    });
  const only = type === 'alert' ? 'alerting' : type === 'record' ? 'recording' : undefined;
  const groups = ruler
    .groupStates(tenant)
    .map((g) => groupJson(g, only))
    .filter((g) => only === undefined || g.rules.length > 0);
  sendJson(ctx.res, 200, { status: 'success', data: { groups } });
}

/** GET /prometheus/api/v1/alerts: every pending and firing alert of the tenant. */
export function prometheusAlerts(ctx: RouteContext): void {
  const ruler = rulerOf(ctx);
  const tenant = ctx.tenant();
  const alerts = ruler
    .groupStates(tenant)
    .flatMap((g) => g.alerts.flatMap((r) => r.alerts.filter((a) => a.state !== 'inactive').map(alertJson)));
  sendJson(ctx.res, 200, { status: 'success', data: { alerts } });
}
