// The Promtail DaemonSet configuration (end-of-life; kept for the strategy), rendered from the log rule.
import { LOG_EXTRACTED_FIELDS, LOG_SHIPPING, type LogOriginLabel } from '../log-shipping.js';

const YAML_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A plain YAML mapping key, refused otherwise (a field name that would need quoting). */
function key(name: string): string {
  if (!YAML_KEY.test(name)) throw new Error(`${name} is not a plain YAML key`);
  return name;
}

/** Where each origin label comes from in Kubernetes service discovery (one relabel config each). */
const KUBERNETES_ORIGIN: Record<LogOriginLabel, string> = {
  namespace: `      - source_labels: [__meta_kubernetes_namespace]
        target_label: namespace`,
  app: `      - source_labels:
          - __meta_kubernetes_pod_label_app_kubernetes_io_name
          - __meta_kubernetes_pod_label_app
          - __meta_kubernetes_pod_container_name
        separator: ";"
        regex: "^;*([^;]+).*$"
        target_label: app`,
  container: `      - source_labels: [__meta_kubernetes_pod_container_name]
        target_label: container`,
  pod: `      - source_labels: [__meta_kubernetes_pod_name]
        target_label: pod`,
};

/** Renders observability/promtail/promtail.yaml after its generated-file header. */
export function renderPromtail(): string {
  const expressions = LOG_EXTRACTED_FIELDS.map((f) => `            ${key(f)}: ${f}`).join('\n');
  const labels = LOG_SHIPPING.fieldLabels.map((f) => `          ${key(f)}:`).join('\n');
  const metadata = LOG_SHIPPING.structuredMetadata.map((f) => `          ${key(f)}:`).join('\n');
  const relabel = LOG_SHIPPING.originLabels.map((l) => KUBERNETES_ORIGIN[l]).join('\n');
  return `# Promtail — DaemonSet configuration from the monitoring strategy (section 2.1). END-OF-LIFE.
#
# Promtail reached end-of-life on 2026-03-02 (Grafana: LTS through 2026-02-28, no fixes after).
# It is kept because the strategy names it; new deployments use Grafana Alloy with
# observability/alloy/config.alloy, which runs the same pipeline. \`alloy convert --source-format=promtail\`
# translates this file if an existing Promtail fleet has to be migrated.
#
# What it does (the same as the Alloy config and the local Opsight collector):
#   - discovers the node's pods (kubernetes_sd, role pod) and tails their stdout/stderr files under
#     /var/log/pods/<namespace>_<pod>_<uid>/<container>/*.log;
#   - labels {${LOG_SHIPPING.originLabels.join(', ')}}, e.g. {app="api-service", namespace="core-services"};
#   - cri parses the container log format and joins partial lines; json extracts fields; the catalog's
#     log rule: ${LOG_SHIPPING.fieldLabels.join(', ')} becomes a label; ${LOG_SHIPPING.structuredMetadata.join(', ')} become
#     structured metadata (needs Loki 3 with schema v13 and allow_structured_metadata); the entry time
#     is the log's \`${LOG_SHIPPING.timestampField}\`; the line is kept unchanged.
# Deploy as a DaemonSet with /var/log/pods mounted read-only, HOSTNAME from spec.nodeName, and a
# hostPath for /run/promtail (positions survive pod restarts).
server:
  http_listen_port: 9080
  grpc_listen_port: 0

positions:
  filename: /run/promtail/positions.yaml

# Loki runs with auth_enabled: true; every push names the tenant (X-Scope-OrgID), the same as Alloy's.
clients:
  - url: http://loki-gateway.monitoring.svc.cluster.local/loki/api/v1/push
    tenant_id: opsight

scrape_configs:
  - job_name: kubernetes-pods
    kubernetes_sd_configs:
      - role: pod
        selectors:
          - role: pod
            field: spec.nodeName=\${HOSTNAME}
    pipeline_stages:
      - cri: {}
      - json:
          expressions:
${expressions}
      - labels:
${labels}
      - structured_metadata:
${metadata}
      - timestamp:
          source: ${key(LOG_SHIPPING.timestampField)}
          format: RFC3339Nano
    relabel_configs:
${relabel}
      - source_labels: [__meta_kubernetes_pod_uid, __meta_kubernetes_pod_container_name]
        separator: /
        # Only the live <N>.log: Promtail, like Alloy, keeps positions by path, so matching the rotated
        # <N>.log.<timestamp> would re-read each rotated file from its start. A file rotated while
        # Promtail is down is not finished (see observability/alloy/config.alloy).
        replacement: /var/log/pods/*$1/*.log
        target_label: __path__
`;
}
