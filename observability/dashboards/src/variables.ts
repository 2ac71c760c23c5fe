import {
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { modelInferenceSuccessTotal, up } from '@opsight/catalog';
import { DATASOURCES } from './datasources.js';

/**
 * The value a variable takes when "All" is selected. `.+` rather than `.*`: Loki refuses a stream
 * selector whose every matcher also matches the empty string.
 */
export const ALL_VALUE = '.+';

/** The dashboard variables, by name; queries use them as `label=~"$name"`. */
export const VARIABLES = {
  namespace: { name: 'namespace', label: 'Namespace', query: `label_values(${up.name}, namespace)` },
  service: {
    name: 'service',
    label: 'Service',
    query: `label_values(${up.name}{namespace=~"$namespace"}, job)`,
  },
  model: {
    name: 'model',
    label: 'Model',
    query: `label_values(${modelInferenceSuccessTotal.name}, model_name)`,
  },
} as const;

/** One of {@link VARIABLES}. */
export type VariableName = keyof typeof VARIABLES;

/** A multi-value Prometheus query variable with "All" (= {@link ALL_VALUE}) selected by default. */
export function variable(name: VariableName): QueryVariableBuilder {
  const v = VARIABLES[name];
  return new QueryVariableBuilder(v.name)
    .label(v.label)
    .datasource(DATASOURCES.prometheus)
    .query(v.query)
    .definition(v.query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(ALL_VALUE)
    .current({ text: 'All', value: '$__all' });
}
