import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';

/**
 * Grafana's dashboard schema as a JSON Schema validator. No npm package ships the JSON Schema file
 * itself; @grafana/grafana-foundation-sdk ships the schema Grafana generates from its CUE kinds as
 * TypeScript types (`dashboard`, and each data source's `Dataquery`). This turns those types into JSON
 * Schema (ts-json-schema-generator) and validates with ajv: field names, types, required fields and enums
 * as Grafana declares them, and no property Grafana does not know (`additionalProperties: false`).
 */
export interface GrafanaSchema {
  /** The problems of one dashboard JSON model, each as `path: message`; empty when it is valid. */
  check(model: unknown): string[];
}

const require = createRequire(import.meta.url);

function typesOf(kind: string): string {
  return join(dirname(require.resolve(`@grafana/grafana-foundation-sdk/${kind}`)), 'types.gen.d.ts');
}

function schemaOf(kind: string, type: string): Record<string, unknown> {
  return createGenerator({
    path: typesOf(kind),
    type,
    skipTypeCheck: true,
    additionalProperties: false,
    topRef: false,
  }).createSchema(type) as Record<string, unknown>;
}

const format = (prefix: string, errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => {
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
        : e.keyword === 'enum'
          ? ` (${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)})`
          : '';
    return `${prefix}${e.instancePath || ''}: ${e.message}${extra}`;
  });

/** Builds the validator (about a second: the SDK's types are read and converted once). */
export function grafanaSchema(): GrafanaSchema {
  const dashboard = schemaOf('dashboard', 'Dashboard');
  // A panel's targets are the Dataquery of its data source: open in the dashboard kind, checked below
  // against the data source's own kind.
  const definitions = dashboard.definitions as Record<string, unknown>;
  definitions.Dataquery = { type: 'object' };
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validateDashboard = ajv.compile(dashboard);
  const queries: Record<string, ReturnType<typeof ajv.compile>> = {
    prometheus: ajv.compile(schemaOf('prometheus', 'Dataquery')),
    // (The SDK names Loki's query type in lower case.)
    loki: ajv.compile(schemaOf('loki', 'dataquery')),
  };
  return {
    check(model) {
      if (typeof model !== 'object' || model === null) return ['$: not an object'];
      // The do-not-edit marker: Grafana keeps unknown top-level keys; the schema does not list it.
      const { __generated: _marker, ...rest } = model as Record<string, unknown>;
      const problems = validateDashboard(rest) ? [] : format('$', validateDashboard.errors);
      const panels = Array.isArray(rest.panels) ? (rest.panels as Record<string, unknown>[]) : [];
      panels.forEach((panel, i) => {
        const targets = Array.isArray(panel?.targets) ? (panel.targets as Record<string, unknown>[]) : [];
        targets.forEach((target, j) => {
          const type = (target?.datasource as { type?: string } | undefined)?.type ?? '';
          const validate = queries[type];
          const path = `$/panels/${i}/targets/${j}`;
          if (!validate) problems.push(`${path}/datasource/type: no schema for data source type "${type}"`);
          else if (!validate(target)) problems.push(...format(path, validate.errors));
        });
      });
      return problems;
    },
  };
}
