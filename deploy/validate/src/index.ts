export { alloyConfigProblems } from './checks/alloy-config.js';
export { collectorConfigProblems } from './checks/collector-config.js';
export { composeProblems, readEnvFile } from './checks/compose.js';
export { dockerfileProblems } from './checks/dockerfile.js';
export { lokiConfigProblems } from './checks/loki-config.js';
export {
  allowedPeers,
  isIsolated,
  namespaceProblems,
  PRIVILEGED_NAMESPACES,
  podInfos,
} from './checks/network-policies.js';
export { localRuleGroups, prometheusRuleGroups } from './checks/prometheus-rules.js';
export { promtailConfigProblems } from './checks/promtail-config.js';
export { validateManifest } from './checks/schemas.js';
export type { Launch, ServiceInterface } from './checks/service-interfaces.js';
export {
  composeLaunches,
  kubernetesLaunches,
  launchProblems,
  monitorProblems,
  serviceInterface,
  workloadOf,
} from './checks/service-interfaces.js';
export {
  composeDescriptorProblems,
  type DescriptorCheckOptions,
  descriptorProblems,
} from './checks/workload-descriptors.js';
export { workloadProblems } from './checks/workloads.js';
export { KustomizeError, readYamlDocuments, renderKustomization, resourceId } from './kustomize/render.js';
export type { Json, JsonObject } from './kustomize/strategic-merge.js';
export { strategicMerge } from './kustomize/strategic-merge.js';
export { OVERLAYS, overlayDir, repoRoot } from './paths.js';
