/**
 * Offline schema validation of rendered manifests: the Kubernetes OpenAPI schemas compiled into
 * kubernetes-models and the Prometheus Operator CRD schemas of @kubernetes-models/prometheus-operator.
 * A kind neither set knows is an error, so nothing reaches a cluster unchecked.
 */
import * as monitoringV1 from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';
import type { JsonObject } from '../kustomize/strategic-merge.js';

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: unknown): { validate(): void };
}

function collect(...modules: Record<string, unknown>[]): Map<string, ModelClass> {
  const map = new Map<string, ModelClass>();
  for (const mod of modules) {
    for (const value of Object.values(mod)) {
      const model = value as Partial<ModelClass>;
      if (
        typeof value === 'function' &&
        typeof model.apiVersion === 'string' &&
        typeof model.kind === 'string'
      )
        map.set(`${model.apiVersion}/${model.kind}`, value as ModelClass);
    }
  }
  return map;
}

const MODELS = collect(coreV1, appsV1, batchV1, networkingV1, policyV1, rbacV1, monitoringV1);

/** Validates one manifest; returns the problems found (empty when valid). */
export function validateManifest(manifest: JsonObject): string[] {
  const key = `${String(manifest.apiVersion)}/${String(manifest.kind)}`;
  const model = MODELS.get(key);
  if (!model) return [`no schema for ${key}`];
  try {
    new model(manifest).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message: string }[] }).errors;
    if (errors) return errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
    return [(error as Error).message];
  }
}
