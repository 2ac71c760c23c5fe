import { hostname } from 'node:os';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ComponentStatus } from './status.js';

/**
 * Registers, on `registry`, the metrics Kubernetes gives for containers, with kube-state-metrics' and
 * cAdvisor's names and label sets, computed from the supervisor's components at scrape time. Alert rules
 * written for a cluster therefore work unchanged on the local stack.
 */
export function registerKubeMetrics(registry: Registry, components: () => ComponentStatus[]): void {
  const node = hostname();
  const pod = (c: ComponentStatus) => ({ namespace: c.namespace, pod: c.pod, uid: c.uid, container: c.name });
  // cAdvisor labels: id is the container's cgroup path; image names the program.
  const cadvisor = (c: ComponentStatus) => ({
    namespace: c.namespace,
    pod: c.pod,
    container: c.name,
    id: `/opsight/${c.namespace}/${c.pod}/${c.name}`,
    image: 'local',
  });
  const register = <T>(metric: T): T => {
    registry.registerMetric(metric as never);
    return metric;
  };

  register(
    new Counter({
      name: 'kube_pod_container_status_restarts_total',
      help: 'The number of container restarts per container.',
      labelNames: ['namespace', 'pod', 'uid', 'container'],
      registers: [],
      collect() {
        this.reset();
        for (const c of components()) this.inc(pod(c), c.restarts);
      },
    }),
  );
  register(
    new Gauge({
      name: 'kube_pod_container_resource_limits',
      help: 'The number of requested limit resource by a container.',
      labelNames: ['namespace', 'pod', 'uid', 'container', 'node', 'resource', 'unit'],
      registers: [],
      collect() {
        this.reset();
        for (const c of components()) {
          if (c.cpuLimit !== undefined)
            this.set({ ...pod(c), node, resource: 'cpu', unit: 'core' }, c.cpuLimit);
          if (c.memoryLimitBytes !== undefined) {
            this.set({ ...pod(c), node, resource: 'memory', unit: 'byte' }, c.memoryLimitBytes);
          }
        }
      },
    }),
  );
  register(
    new Gauge({
      name: 'kube_pod_container_status_last_terminated_reason',
      help: 'Describes the last reason the container was in terminated state.',
      labelNames: ['namespace', 'pod', 'uid', 'container', 'reason'],
      registers: [],
      collect() {
        this.reset();
        for (const c of components()) {
          if (c.lastTermination) this.set({ ...pod(c), reason: c.lastTermination.reason }, 1);
        }
      },
    }),
  );
  register(
    new Gauge({
      name: 'kube_pod_container_status_ready',
      help: 'Describes whether the containers readiness check succeeded.',
      labelNames: ['namespace', 'pod', 'uid', 'container'],
      registers: [],
      collect() {
        this.reset();
        for (const c of components()) if (c.kind === 'service') this.set(pod(c), c.ready ? 1 : 0);
      },
    }),
  );
  register(
    new Gauge({
      name: 'kube_pod_container_status_running',
      help: 'Describes whether the container is currently in running state.',
      labelNames: ['namespace', 'pod', 'uid', 'container'],
      registers: [],
      collect() {
        this.reset();
        for (const c of components()) {
          this.set(pod(c), c.state === 'Running' || c.state === 'Starting' ? 1 : 0);
        }
      },
    }),
  );
  register(
    new Gauge({
      name: 'kube_pod_container_status_waiting_reason',
      help: 'Describes the reason the container is currently in waiting state.',
      labelNames: ['namespace', 'pod', 'uid', 'container', 'reason'],
      registers: [],
      collect() {
        this.reset();
        for (const c of components()) {
          const reason =
            c.state === 'BackOff'
              ? 'CrashLoopBackOff'
              : c.state === 'Pending' || c.state === 'Initializing'
                ? 'PodInitializing'
                : undefined;
          if (reason) this.set({ ...pod(c), reason }, 1);
        }
      },
    }),
  );
  register(
    new Gauge({
      name: 'kube_pod_labels',
      help: 'Kubernetes labels converted to Prometheus labels.',
      labelNames: ['namespace', 'pod', 'uid', 'label_app'],
      registers: [],
      collect() {
        this.reset();
        for (const c of components())
          this.set({ namespace: c.namespace, pod: c.pod, uid: c.uid, label_app: c.app }, 1);
      },
    }),
  );
  register(
    new Counter({
      name: 'container_cpu_usage_seconds_total',
      help: 'Cumulative cpu time consumed in seconds.',
      labelNames: ['namespace', 'pod', 'container', 'id', 'image'],
      registers: [],
      collect() {
        this.reset();
        for (const c of components()) this.inc(cadvisor(c), c.cpuSeconds);
      },
    }),
  );
  register(
    new Counter({
      name: 'container_cpu_cfs_throttled_periods_total',
      help: 'Number of throttled period intervals.',
      labelNames: ['namespace', 'pod', 'container', 'id', 'image'],
      registers: [],
      collect() {
        this.reset();
        for (const c of components()) {
          if (c.cpuThrottledPeriods !== undefined) this.inc(cadvisor(c), c.cpuThrottledPeriods);
        }
      },
    }),
  );
  register(
    new Gauge({
      name: 'container_memory_working_set_bytes',
      help: 'Current working set in bytes.',
      labelNames: ['namespace', 'pod', 'container', 'id', 'image'],
      registers: [],
      collect() {
        this.reset();
        for (const c of components()) {
          if (c.pid !== undefined && c.state !== 'BackOff') this.set(cadvisor(c), c.memoryBytes);
        }
      },
    }),
  );
}
