export { checkDashboardSchema, PANEL_TYPES } from './check/dashboard-schema.js';
export { checkLogQL } from './check/logql.js';
export type { NoDataExceptions, PanelData, PanelDataOptions } from './check/panel-data.js';
export {
  panelDataFailures,
  panelKey,
  panelStep,
  queryAllPanelData,
  queryPanelData,
} from './check/panel-data.js';
export { checkPromQL } from './check/promql.js';
export type { QuerySyntaxError } from './check/syntax-error.js';
export type { DashboardSpec } from './dashboard-spec.js';
export { ACTIVE_USERS_QUERY } from './dashboards/business.js';
export { GATEWAY_QUERIES } from './dashboards/gateway.js';
export { STRATEGY_LOGQL } from './dashboards/logs.js';
export type { DatasourceName } from './datasources.js';
export { DATASOURCES } from './datasources.js';
export type { PanelSpec, QuerySpec } from './panels.js';
export type { PanelQuery } from './queries.js';
export { interpolate, panelQueries } from './queries.js';
export type { GeneratedFile } from './render.js';
export {
  buildDashboard,
  DASHBOARDS,
  GENERATED_DIR,
  GENERATED_TAG,
  GENERATOR,
  renderDashboards,
} from './render.js';
export { AVAILABILITY_SLO } from './slo.js';
export { ALL_VALUE, VARIABLES } from './variables.js';
