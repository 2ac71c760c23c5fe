import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import type { VariableName } from './variables.js';

/** One dashboard before rendering: a stable uid, its variables and its panels in layout order. */
export interface DashboardSpec {
  /** Stable uid: links and provisioning refer to it, so it never changes. */
  uid: string;
  title: string;
  description: string;
  variables: readonly VariableName[];
  panels: readonly cog.Builder<Panel>[];
}
