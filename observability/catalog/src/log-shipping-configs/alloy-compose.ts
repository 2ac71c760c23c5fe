// The Alloy configuration of the compose stack (Docker's json-file logs to Loki), rendered from the
// log rule.
import { LOG_SHIPPING, type LogOriginLabel } from '../log-shipping.js';
import { alloyObject, alloyRuleStages, alloyString } from './alloy-syntax.js';

/**
 * The extracted value each origin label takes in compose (the stages before stage.labels extract
 * them): the compose project, the compose service (app and container: one container per service),
 * and the first 12 characters of the container id (one container per "pod").
 */
const COMPOSE_ORIGIN: Record<LogOriginLabel, string> = {
  namespace: 'namespace',
  app: 'app',
  container: 'app',
  pod: 'pod',
};

/** Renders deploy/compose/alloy/config.alloy after its generated-file header. */
export function renderAlloyCompose(): string {
  const labels = LOG_SHIPPING.originLabels.map(
    (l) => [l, COMPOSE_ORIGIN[l] === l ? '""' : alloyString(COMPOSE_ORIGIN[l])] as const,
  );
  return `// Grafana Alloy for the compose stack: container log files to Loki, without the Docker socket.
//
// The compose counterpart of observability/alloy/config.alloy (Kubernetes pods): the same stream labels
// and the same pipeline, so queries and dashboards are unchanged:
//   - namespace = the compose project ("opsight"), app = container = the compose service,
//     pod = the container id (12 characters; one container per "pod" here);
//   - the line is JSON and the catalog's log rule applies: ${LOG_SHIPPING.fieldLabels.join(', ')} a label,
//     ${LOG_SHIPPING.structuredMetadata.join(' / ')} structured metadata, and the entry time is the log's
//     own \`${LOG_SHIPPING.timestampField}\`.
//
// Why files and not the Docker API: the Docker socket is root on the host (anyone who can talk to it can
// start a privileged container), and discovery.docker / loki.source.docker need it. Instead the host's
// /var/lib/docker/containers is mounted read-only and Alloy tails Docker's json-file logs. The compose
// project and service come from the line itself: every service logs with the json-file driver and
// \`labels: com.docker.compose.project,com.docker.compose.service\` (compose.yaml, x-logging), which makes
// Docker write them into each line's \`attrs\`. A container started outside this project has no such attrs
// and is dropped. Docker's json-file driver already joins partial lines, so there is no stage.cri here.
// Rotation: only the live \`<id>-json.log\` is matched (Docker renames rotated files to \`.1\`, \`.2\`, ...),
// for the reasons given in observability/alloy/config.alloy.

local.file_match "containers" {
  path_targets = [{ "__path__" = "/var/lib/docker/containers/*/*-json.log" }]
}

loki.source.file "containers" {
  targets    = local.file_match.containers.targets
  forward_to = [loki.process.containers.receiver]
}

loki.process "containers" {
  // Docker's envelope: {"log":"...","stream":"stdout","attrs":{...},"time":"..."}.
  stage.json {
    expressions = {
      namespace = "attrs.\\"com.docker.compose.project\\"",
      app       = "attrs.\\"com.docker.compose.service\\"",
    }
  }

  stage.regex {
    source     = "filename"
    expression = "/var/lib/docker/containers/(?P<pod>[0-9a-f]{12})[0-9a-f]*/"
  }

  stage.labels {
    values = ${alloyObject(labels, '    ')}
  }

  // Not a container of a compose project (no attrs): dropped.
  stage.match {
    selector            = "{filename=~\\".+\\", app=\\"\\"}"
    action              = "drop"
    drop_counter_reason = "not_a_compose_service"
  }

  stage.label_drop {
    values = ["filename"]
  }

  // Unwraps the envelope: the output becomes \`log\`, the time Docker's.
  stage.docker { }

${alloyRuleStages()}

  forward_to = [loki.write.default.receiver]
}

// Loki runs with auth_enabled: true; the tenant is the one Grafana's Loki data source reads.
loki.write "default" {
  endpoint {
    url       = coalesce(sys.env("LOKI_URL"), "http://loki:3100/loki/api/v1/push")
    tenant_id = coalesce(sys.env("LOKI_TENANT"), "opsight")
  }
}
`;
}
