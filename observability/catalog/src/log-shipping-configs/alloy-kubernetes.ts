// The Alloy DaemonSet configuration (Kubernetes pod logs to Loki), rendered from the log rule.
import { LOG_SHIPPING, LOG_STREAM_LABELS, type LogOriginLabel } from '../log-shipping.js';
import { alloyRuleStages } from './alloy-syntax.js';

/** Where each origin label comes from in Kubernetes service discovery (one relabel rule each). */
const KUBERNETES_ORIGIN: Record<LogOriginLabel, string> = {
  namespace: `  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }`,
  app: `  // app: first non-empty of app.kubernetes.io/name, app, container name.
  rule {
    source_labels = [
      "__meta_kubernetes_pod_label_app_kubernetes_io_name",
      "__meta_kubernetes_pod_label_app",
      "__meta_kubernetes_pod_container_name",
    ]
    separator    = ";"
    regex        = "^;*([^;]+).*$"
    target_label = "app"
  }`,
  container: `  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }`,
  pod: `  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }`,
};

/** Renders observability/alloy/config.alloy after its generated-file header. */
export function renderAlloyKubernetes(): string {
  const rules = LOG_SHIPPING.originLabels.map((l) => KUBERNETES_ORIGIN[l]).join('\n\n');
  return `// Grafana Alloy — DaemonSet configuration: Kubernetes pod logs to Loki.
//
// What it is: the production log collector (Alloy 1.x), one pod per node, mounted with the node's
// /var/log/pods read-only. It does exactly what the local Opsight collector
// (observability/logstore/src/internal/collector) does on one machine, so queries and dashboards work the
// same in both places:
//   - discover this node's pods and tail /var/log/pods/<namespace>_<pod>_<uid>/<container>/*.log;
//   - labels {${LOG_SHIPPING.originLabels.join(', ')}} from Kubernetes metadata (app from the pod label
//     app.kubernetes.io/name, else app, else the container name — the local collector reads the
//     same value from labels.json, else the container name);
//   - stage.cri joins partial (P) lines; the line is then parsed as JSON and the catalog's log rule
//     applied: stream labels {${LOG_STREAM_LABELS.join(', ')}}, ${LOG_SHIPPING.structuredMetadata.join(' / ')}
//     as structured metadata, the entry time from \`${LOG_SHIPPING.timestampField}\`.
// Layering: deploy with the grafana/alloy Helm chart (controller.type: daemonset,
// alloy.mounts.varlog: true) and this file as the configMap content. LOKI_URL selects the target
// (the gateway of loki-simple-scalable.yaml, or the single binary); HOSTNAME is set by the chart.

discovery.kubernetes "pods" {
  role = "pod"

  // Only this node's pods: each DaemonSet pod reads its own node's files.
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + coalesce(sys.env("HOSTNAME"), constants.hostname)
  }
}

discovery.relabel "pod_logs" {
  targets = discovery.kubernetes.pods.targets

${rules}

  // The kubelet's log path for this container: /var/log/pods/<ns>_<pod>_<uid>/<container>/*.log
  rule {
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    replacement   = "/var/log/pods/*$1/*.log"
    target_label  = "__path__"
  }
}

// Rotation: only the live \`<N>.log\` is matched, on purpose. Alloy keeps positions by path (and labels),
// not by file identity, and forgets a path once it leaves the targets: matching the kubelet's rotated
// \`<N>.log.<YYYYMMDD-hhmmss>\` too would read every rotated file again from its start under its new path
// (a duplicate of the whole file on every rotation), and \`.gz\` ones need a separate loki.source.file with
// a \`decompression\` block. Its tailer follows the rename and reads the old file while it holds it open,
// but after an Alloy restart a file rotated while it was down is not finished from its position: the
// unread tail of that file is lost. The local collector (observability/logstore, collector.ts) keys positions
// by device, inode and fingerprint and does finish it; here, keep rotations rare (kubelet
// containerLogMaxSize) and Alloy restarts short.
local.file_match "pod_logs" {
  path_targets = discovery.relabel.pod_logs.output
}

loki.source.file "pod_logs" {
  targets    = local.file_match.pod_logs.targets
  forward_to = [loki.process.pod_logs.receiver]
}

loki.process "pod_logs" {
  // CRI format: "<time> <stream> <P|F> <content>"; P chunks are joined up to the next F.
  stage.cri { }

${alloyRuleStages()}

  forward_to = [loki.write.default.receiver]
}

// Tenant: Loki runs with auth_enabled: true, so every push names its tenant (X-Scope-OrgID, from
// tenant_id): LOKI_TENANT, \`opsight\` by default, the tenant Grafana's Loki data source reads.
//
// Retries: 429 and 5xx are retried with back-off from 500ms, doubling up to 5m, 10 times (about 8.5
// minutes, close to the local collector's 10-minute --max-retry-period), then the batch is dropped and
// counted in loki_write_dropped_entries_total. Other 4xx are dropped at once. Unlike the local collector,
// loki.write retries a whole batch: while one stream's batch is refused, the batches behind it wait
// (head-of-line), so a stream-limit 429 delays every stream for up to those 8.5 minutes.
loki.write "default" {
  endpoint {
    url                 = coalesce(sys.env("LOKI_URL"), "http://loki-gateway.monitoring.svc.cluster.local/loki/api/v1/push")
    tenant_id           = coalesce(sys.env("LOKI_TENANT"), "opsight")
    min_backoff_period  = "500ms"
    max_backoff_period  = "5m"
    max_backoff_retries = 10
    retry_on_http_429   = true
  }
}
`;
}
