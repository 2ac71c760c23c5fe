// Public API of @opsight/logstore/ruler: LogQL rule groups (Prometheus's rule-file format), their
// evaluation, and promtool-style unit tests of LogQL rules.

export type { TemplateData } from './ruler/alert-template.js';
export {
  AlertTemplate,
  expandAlertTemplate,
  humanize,
  humanizeDuration,
  TemplateError,
} from './ruler/alert-template.js';
export { goFloat } from './ruler/go-format.js';
export type {
  Alert,
  AlertState,
  GroupEvaluation,
  GroupEvaluatorOptions,
  InstantQuery,
  OutputSample,
  PostableAlert,
  RuleStatus,
  VectorSample,
} from './ruler/group-evaluator.js';
export { GroupEvaluator } from './ruler/group-evaluator.js';
export { expandLineCounts, LineCountError } from './ruler/line-counts.js';
export { formatPromDuration, parsePromDuration } from './ruler/prom-duration.js';
export type {
  AlertingRuleDef,
  ExprCheck,
  RecordingRuleDef,
  RuleDef,
  RuleGroupDef,
  RuleParseOptions,
  RulePosition,
  RuleProblem,
} from './ruler/rule-file.js';
export {
  formatRuleProblem,
  logqlMetricExprCheck,
  parseRuleFile,
  parseRuleGroup,
  RuleFileError,
} from './ruler/rule-file.js';
export type { RuleTestCase, RuleTestFile } from './ruler/rule-test-file.js';
export { DEFAULT_LINE, parseRuleTestFile, RuleTestFileError } from './ruler/rule-test-file.js';
export type { RuleTestFailure, RuleTestFileResult } from './ruler/rule-test-runner.js';
export { formatRuleTestResult, ruleTestPassed, runRuleTestFile } from './ruler/rule-test-runner.js';
