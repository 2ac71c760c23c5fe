import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A CPU quota for one component's processes, applied through a control group. */
export interface CpuLimiter {
  /** Moves a process into the group; its future children inherit the group. */
  add(pid: number): void;
  /** Times the group was throttled, read from cpu.stat (undefined where not available). */
  throttledPeriods(): number | undefined;
  /** Removes the group (once its processes are gone). */
  remove(): void;
}

const PERIOD_US = 100_000;
const V2_ROOT = '/sys/fs/cgroup';
const V1_CPU = '/sys/fs/cgroup/cpu';

/**
 * Creates a control group `opsight/<name>` limited to `cores` CPUs (cgroup v2 `cpu.max`, or cgroup v1
 * `cpu.cfs_quota_us`), the mechanism the kubelet uses for a container's CPU limit. Returns undefined when
 * control groups cannot be written (not root, or no CPU controller): the limit is then only reported.
 */
export function createCpuLimiter(name: string, cores: number): CpuLimiter | undefined {
  const quota = Math.max(1000, Math.round(cores * PERIOD_US));
  try {
    if (
      existsSync(join(V2_ROOT, 'cgroup.controllers')) &&
      hasWord(join(V2_ROOT, 'cgroup.controllers'), 'cpu')
    ) {
      const parent = join(V2_ROOT, 'opsight');
      enableCpu(V2_ROOT);
      mkdirSync(parent, { recursive: true });
      enableCpu(parent);
      const dir = join(parent, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
      return limiter(dir, 'nr_throttled');
    }
    if (existsSync(join(V1_CPU, 'cpu.cfs_quota_us'))) {
      const dir = join(V1_CPU, 'opsight', name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota));
      return limiter(dir, 'nr_throttled');
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function limiter(dir: string, throttledKey: string): CpuLimiter {
  return {
    add(pid) {
      try {
        writeFileSync(join(dir, 'cgroup.procs'), String(pid));
      } catch {
        // The process is already gone.
      }
    },
    throttledPeriods() {
      try {
        const m = new RegExp(`^${throttledKey} (\\d+)$`, 'm').exec(
          readFileSync(join(dir, 'cpu.stat'), 'utf8'),
        );
        return m ? Number(m[1]) : undefined;
      } catch {
        return undefined;
      }
    },
    remove() {
      try {
        rmdirSync(dir);
      } catch {
        // Still has processes (they will be gone shortly) or already removed.
      }
    },
  };
}

function hasWord(file: string, word: string): boolean {
  return readFileSync(file, 'utf8').split(/\s+/).includes(word);
}

/** Enables the cpu controller for the children of a cgroup v2 directory (no-op when already on). */
function enableCpu(dir: string): void {
  const control = join(dir, 'cgroup.subtree_control');
  if (existsSync(control) && !hasWord(control, 'cpu')) writeFileSync(control, '+cpu');
}
