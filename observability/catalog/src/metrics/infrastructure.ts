import { defineMetric } from '../metric-definition.js';

// Series the platform does not emit itself; named here so that rules and dashboards import them.
const pod = ['namespace', 'pod', 'container'] as const;
const localNote = 'Locally the supervisor exports the same name and labels for its processes.';

export const up = defineMetric({
  name: 'up',
  help: 'Whether the last scrape of a target succeeded (1) or not (0).',
  type: 'gauge',
  unit: '1',
  labels: ['job', 'instance'],
  source: 'exporter',
  derivedFrom: 'Prometheus scrape',
});

export const containerCpuUsageSecondsTotal = defineMetric({
  name: 'container_cpu_usage_seconds_total',
  help: 'Cumulative CPU time consumed by a container.',
  type: 'counter',
  unit: 'seconds',
  labels: pod,
  source: 'kubernetes',
  derivedFrom: 'cAdvisor',
  note: localNote,
});

export const containerMemoryWorkingSetBytes = defineMetric({
  name: 'container_memory_working_set_bytes',
  help: 'Current working set of a container.',
  type: 'gauge',
  unit: 'bytes',
  labels: pod,
  source: 'kubernetes',
  derivedFrom: 'cAdvisor',
  note: localNote,
});

export const kubePodContainerStatusRestartsTotal = defineMetric({
  name: 'kube_pod_container_status_restarts_total',
  help: 'Number of container restarts.',
  type: 'counter',
  unit: 'restarts',
  labels: pod,
  source: 'kubernetes',
  derivedFrom: 'kube-state-metrics',
  note: localNote,
});

export const kubePodContainerResourceLimits = defineMetric({
  name: 'kube_pod_container_resource_limits',
  help: 'Resource limit of a container (cpu in cores, memory in bytes).',
  type: 'gauge',
  unit: '1',
  labels: ['namespace', 'pod', 'container', 'resource', 'unit'],
  source: 'kubernetes',
  derivedFrom: 'kube-state-metrics',
  note: localNote,
});

export const pgStatActivityCount = defineMetric({
  name: 'pg_stat_activity_count',
  help: 'Connections to PostgreSQL by database and state.',
  type: 'gauge',
  unit: 'connections',
  labels: ['datname', 'state'],
  source: 'exporter',
  derivedFrom: 'postgres_exporter',
});

export const pgStatStatementsTotalTime = defineMetric({
  name: 'pg_stat_statements_total_time',
  help: 'Total execution time of statements, in seconds.',
  type: 'counter',
  unit: 'seconds',
  labels: ['datname'],
  source: 'recording-rule',
  derivedFrom: 'sum by (datname) of pg_stat_statements_seconds_total (postgres_exporter)',
});

export const pgReplicationLagSeconds = defineMetric({
  name: 'pg_replication_lag_seconds',
  help: 'Replication lag of a PostgreSQL replica, in seconds.',
  type: 'gauge',
  unit: 'seconds',
  labels: ['instance'],
  source: 'recording-rule',
  derivedFrom: 'pg_replication_standby_replay_lag_seconds (postgres_exporter custom query on the primary)',
  note: 'The strategy alerts when it exceeds 60 seconds.',
});

export const pgDatabaseSizeBytes = defineMetric({
  name: 'pg_database_size_bytes',
  help: 'Disk space used by a PostgreSQL database.',
  type: 'gauge',
  unit: 'bytes',
  labels: ['datname'],
  source: 'exporter',
  derivedFrom: 'postgres_exporter',
  note: 'The capacity-planning dashboard extrapolates it with predict_linear.',
});

export const redisConnectedClients = defineMetric({
  name: 'redis_connected_clients',
  help: 'Number of client connections to Redis.',
  type: 'gauge',
  unit: 'connections',
  labels: ['instance'],
  source: 'exporter',
  derivedFrom: 'redis_exporter',
});

export const redisKeyspaceHitsTotal = defineMetric({
  name: 'redis_keyspace_hits_total',
  help: 'Successful key lookups in Redis.',
  type: 'counter',
  unit: 'requests',
  labels: ['instance'],
  source: 'exporter',
  derivedFrom: 'redis_exporter',
});

export const redisKeyspaceMissesTotal = defineMetric({
  name: 'redis_keyspace_misses_total',
  help: 'Failed key lookups in Redis.',
  type: 'counter',
  unit: 'requests',
  labels: ['instance'],
  source: 'exporter',
  derivedFrom: 'redis_exporter',
});

/** dcgm-exporter's labels (model-serving's nvidia-smi exporter writes the same ones). */
const dcgm = ['gpu', 'UUID', 'pci_bus_id', 'device', 'modelName', 'Hostname'] as const;

export const dcgmFiDevGpuUtil = defineMetric({
  name: 'DCGM_FI_DEV_GPU_UTIL',
  help: 'GPU utilization (in %).',
  type: 'gauge',
  unit: 'percent',
  labels: dcgm,
  source: 'exporter',
  derivedFrom: "dcgm-exporter; locally model-serving's gpu-exporter from nvidia-smi utilization.gpu",
  note: 'Mapped to `dcgm_gpu_utilization` by a recording rule.',
});

export const dcgmFiDevFbUsed = defineMetric({
  name: 'DCGM_FI_DEV_FB_USED',
  help: 'Framebuffer memory used (in MiB).',
  type: 'gauge',
  unit: 'mebibytes',
  labels: dcgm,
  source: 'exporter',
  derivedFrom: "dcgm-exporter; locally model-serving's gpu-exporter from nvidia-smi memory.used",
  note: 'Mapped to `dcgm_memory_used_bytes` (× 1048576) by a recording rule.',
});

export const dcgmGpuUtilization = defineMetric({
  name: 'dcgm_gpu_utilization',
  help: 'GPU utilization in percent.',
  type: 'gauge',
  unit: 'percent',
  labels: ['gpu', 'Hostname'],
  source: 'recording-rule',
  derivedFrom: 'DCGM_FI_DEV_GPU_UTIL (dcgm-exporter, percent)',
});

export const dcgmMemoryUsedBytes = defineMetric({
  name: 'dcgm_memory_used_bytes',
  help: 'GPU frame buffer memory in use, in bytes.',
  type: 'gauge',
  unit: 'bytes',
  labels: ['gpu', 'Hostname'],
  source: 'recording-rule',
  derivedFrom: 'DCGM_FI_DEV_FB_USED (dcgm-exporter, MiB) * 1048576',
});

export const redisMemoryUsedBytes = defineMetric({
  name: 'redis_memory_used_bytes',
  help: 'Memory allocated by Redis.',
  type: 'gauge',
  unit: 'bytes',
  labels: ['instance'],
  source: 'exporter',
  derivedFrom: 'redis_exporter',
});

export const redisMemoryMaxBytes = defineMetric({
  name: 'redis_memory_max_bytes',
  help: "Redis's maxmemory setting (0 when unlimited).",
  type: 'gauge',
  unit: 'bytes',
  labels: ['instance'],
  source: 'exporter',
  derivedFrom: 'redis_exporter',
});
