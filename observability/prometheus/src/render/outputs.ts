import { renderAlertmanagerConfig } from '../alertmanager/alertmanager-config.js';
import type { LogRuleFile } from '../log-rule.js';
import { LOG_RULE_FILES } from '../log-rule-files.js';
import type { RuleFile } from '../rule.js';
import { RULE_FILES } from '../rule-files.js';
import {
  K8S_RULES_DIR,
  prometheusRuleFileName,
  renderPrometheusRule,
  renderRulesKustomization,
} from './render-kubernetes.js';
import {
  LOG_RULE_TESTS_DIR,
  logRuleFilePaths,
  renderLogRuleFile,
  renderLogTestFile,
} from './render-log-rules.js';
import { renderRuleFile } from './render-rules.js';
import { renderTestFile } from './render-tests.js';

/** Every generated file: path from the repository root, and its content. */
export function renderOutputs(
  files: readonly RuleFile[] = RULE_FILES,
  logFiles: readonly LogRuleFile[] = LOG_RULE_FILES,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of files) {
    out.set(`observability/prometheus/rules/${file.file}`, renderRuleFile(file));
    out.set(`observability/prometheus/tests/${file.file}`, renderTestFile(file, files));
  }
  for (const file of files)
    out.set(`${K8S_RULES_DIR}/${prometheusRuleFileName(file)}`, renderPrometheusRule(file));
  out.set(`${K8S_RULES_DIR}/kustomization.yaml`, renderRulesKustomization(files));
  for (const file of logFiles) {
    const rendered = renderLogRuleFile(file);
    for (const path of logRuleFilePaths(file)) out.set(path, rendered);
    out.set(`${LOG_RULE_TESTS_DIR}/${file.namespace}.yaml`, renderLogTestFile(file));
  }
  // Without email or WeCom: those are added where they are configured (opsight up, bin/alertmanager-config).
  out.set('observability/alertmanager/alertmanager.yml', renderAlertmanagerConfig());
  return out;
}
