import { logVolume, platformLogAlerts } from './log-groups/platform-logs.js';
import type { LogAlertRule, LogRuleFile } from './log-rule.js';

/** Every LogQL rule namespace (a file `<tenant>/<namespace>.yaml` of the ruler's local storage). */
export const LOG_RULE_FILES: readonly LogRuleFile[] = [
  {
    namespace: 'opsight-logs',
    title:
      'Log-based rules of the platform: lines and errors per app (recorded into Prometheus), and the failures only logs show',
    groups: [logVolume, platformLogAlerts],
  },
];

/** Every LogQL alerting rule. */
export function allLogAlerts(files: readonly LogRuleFile[] = LOG_RULE_FILES): LogAlertRule[] {
  return files.flatMap((f) => f.groups.flatMap((g) => g.alerts ?? []));
}
