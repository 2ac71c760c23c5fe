import { DATASOURCES } from './datasources.js';
import { ALL_VALUE } from './variables.js';

/** One query of one panel of a rendered dashboard. */
export interface PanelQuery {
  dashboard: string;
  panel: string;
  /** `prometheus` (PromQL) or `loki` (LogQL). */
  language: 'prometheus' | 'loki';
  expr: string;
  /** Evaluated at the end of the time range only (stat, gauge, bar gauge, table), as the panel shows it. */
  instant: boolean;
}

interface DashboardJson {
  uid: string;
  panels?: {
    title?: string;
    datasource?: { uid?: string };
    targets?: { expr?: string; instant?: boolean; datasource?: { uid?: string } }[];
  }[];
}

/** Every query of a rendered dashboard, with its language taken from the data source uid. */
export function panelQueries(dashboard: DashboardJson): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const panel of dashboard.panels ?? []) {
    for (const target of panel.targets ?? []) {
      const uid = target.datasource?.uid ?? panel.datasource?.uid;
      const language =
        uid === DATASOURCES.loki.uid ? 'loki' : uid === DATASOURCES.prometheus.uid ? 'prometheus' : undefined;
      if (!language)
        throw new Error(`${dashboard.uid}/${panel.title}: unknown data source uid ${String(uid)}`);
      out.push({
        dashboard: dashboard.uid,
        panel: panel.title ?? '',
        language,
        expr: target.expr ?? '',
        instant: target.instant === true,
      });
    }
  }
  return out;
}

/**
 * Replaces `$name` and `${name}` with the values chosen for them; a variable without a value gets
 * {@link ALL_VALUE}, as "All" does. Values are regex alternatives (`a|b`) with regex characters escaped for a quoted string, as Grafana
 * formats multi-values.
 */
export function interpolate(expr: string, values: Readonly<Record<string, readonly string[]>> = {}): string {
  return expr.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (whole, braced: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      if (name.startsWith('__')) return whole;
      const chosen = values[name];
      if (!chosen || chosen.length === 0 || chosen.includes('$__all')) return ALL_VALUE;
      return chosen.map((v) => v.replace(/[\\.+*?^$()[\]{}|]/g, '\\\\$&')).join('|');
    },
  );
}
