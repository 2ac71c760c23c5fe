export type { AlertmanagerOptions } from './alertmanager/alertmanager-config.js';
export {
  ALERTMANAGER_TIMERS,
  alertmanagerConfigObject,
  GROUP_BY,
  INHIBIT_RULES,
  RELAY_SERVICE_ADDRESS,
  renderAlertmanagerConfig,
} from './alertmanager/alertmanager-config.js';
export type {
  EmailReceiver,
  NativeReceivers,
  ReceiverEnvOptions,
  WecomReceiver,
} from './alertmanager/receivers.js';
export {
  AlertReceiverError,
  EMAIL_VARIABLES,
  nativeReceiversFromEnv,
  WECOM_VARIABLES,
} from './alertmanager/receivers.js';
export { pipelineAlerts, platformAlerts, sloAlerts } from './groups/alerts-more.js';
export { relayAlerts } from './groups/alerts-relay.js';
export { strategyAlerts } from './groups/alerts-strategy.js';
export { capacity } from './groups/capacity.js';
export { mappings } from './groups/mappings.js';
export { services } from './groups/services.js';
export type { Slo } from './groups/slo.js';
export { BURN_RATE_WINDOWS, SLO_PERIOD, SLOS, sloBudget, sloBurnRates } from './groups/slo.js';
export { gatewayAndServices, modelServingAndData } from './groups/strategy-queries.js';
export { CRASH_LINE_PATTERN, logVolume, platformLogAlerts } from './log-groups/platform-logs.js';
export type {
  LogAlertFixture,
  LogAlertRule,
  LogRecordingRule,
  LogRuleFile,
  LogRuleGroup,
  LogTestStream,
} from './log-rule.js';
export { allLogAlerts, LOG_RULE_FILES } from './log-rule-files.js';
export { PromtoolError, promtool } from './promtool.js';
export { renderOutputs } from './render/outputs.js';
export { K8S_RULES_DIR, renderPrometheusRule, renderRulesKustomization } from './render/render-kubernetes.js';
export type { LogRenderOptions } from './render/render-log-rules.js';
export {
  LOG_RULE_DIRS,
  LOG_RULE_TESTS_DIR,
  logGroupObject,
  logRuleFilePaths,
  renderLogRuleFile,
  renderLogTestFile,
} from './render/render-log-rules.js';
export {
  alertRuleObject,
  groupObject,
  recordingRuleObject,
  renderRuleFile,
  runbookUrl,
} from './render/render-rules.js';
export { expandTemplate, renderTestFile } from './render/render-tests.js';
export type {
  AlertFixture,
  AlertRule,
  RecordingRule,
  RuleFile,
  RuleGroup,
  Severity,
  TestSeries,
} from './rule.js';
export { allAlerts, RULE_FILES } from './rule-files.js';
export {
  FOR_MINUTES,
  GRPC_SERVER_ERROR_CODES,
  INTERVALS,
  LE_ONE_SECOND,
  LOG_RULES,
  RUNBOOK_BASE,
  THRESHOLDS,
} from './settings.js';
