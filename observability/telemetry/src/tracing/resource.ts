import { randomUUID } from 'node:crypto';
import { defaultResource, type Resource, resourceFromAttributes } from '@opentelemetry/resources';

/** Environment variables (Kubernetes downward API) mapped to k8s.* resource attributes. */
export const K8S_ENV: readonly [string, readonly string[]][] = [
  ['k8s.namespace.name', ['K8S_NAMESPACE_NAME', 'POD_NAMESPACE']],
  ['k8s.pod.name', ['K8S_POD_NAME', 'POD_NAME']],
  ['k8s.pod.uid', ['K8S_POD_UID', 'POD_UID']],
  ['k8s.node.name', ['K8S_NODE_NAME', 'NODE_NAME']],
  ['k8s.container.name', ['K8S_CONTAINER_NAME', 'CONTAINER_NAME']],
  ['k8s.deployment.name', ['K8S_DEPLOYMENT_NAME']],
];

export interface ResourceInput {
  service: string;
  version: string | undefined;
  namespace: string | undefined;
  envAttributes: Record<string, string>;
  env: Record<string, string | undefined>;
}

/**
 * The process's resource: SDK defaults < OTEL_RESOURCE_ATTRIBUTES < k8s.* from the environment <
 * service.* from initTelemetry's options.
 */
export function buildResource(input: ResourceInput): Resource {
  const k8s: Record<string, string> = {};
  for (const [attribute, names] of K8S_ENV) {
    const value = names.map((n) => input.env[n]).find((v) => v !== undefined && v !== '');
    if (value !== undefined) k8s[attribute] = value;
  }
  const service: Record<string, string> = {
    'service.name': input.service,
    'service.instance.id': input.envAttributes['service.instance.id'] ?? k8s['k8s.pod.name'] ?? randomUUID(),
  };
  if (input.version) service['service.version'] = input.version;
  const namespace = input.namespace ?? input.envAttributes['service.namespace'] ?? k8s['k8s.namespace.name'];
  if (namespace) service['service.namespace'] = namespace;
  return defaultResource()
    .merge(resourceFromAttributes(input.envAttributes))
    .merge(resourceFromAttributes(k8s))
    .merge(resourceFromAttributes(service));
}
