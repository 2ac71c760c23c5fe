import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ComponentStatus, readCriLog } from '@opsight/supervisor';

/** Directory of a component's pod logs. */
export function podLogDir(podLogs: string, c: Pick<ComponentStatus, 'namespace' | 'pod' | 'uid'>): string {
  return join(podLogs, `${c.namespace}_${c.pod}_${c.uid}`);
}

/** The last `n` lines of a component's newest log file, and of an init step's log when that failed. */
export function lastLogLines(
  podLogs: string,
  c: ComponentStatus,
  n = 20,
): { file: string; lines: string[] }[] {
  const dir = podLogDir(podLogs, c);
  const out: { file: string; lines: string[] }[] = [];
  const step = /^init step \d+\/\d+: (\S+)|^init step "([^"]+)"/.exec(c.message);
  const files = [
    ...(step ? [join(dir, step[1] ?? step[2] ?? '', '0.log')] : []),
    ...(c.logPath ? [c.logPath] : []),
  ];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const lines = readCriLog(readFileSync(file, 'utf8')).map((e) => e.line);
    out.push({ file, lines: lines.slice(-n) });
  }
  return out;
}

/**
 * Log files of a component across runs of `opsight up`, newest first. `name` is a container name or, when
 * no container has that name, an `app` label (from each pod's labels.json).
 */
export function findContainerLogs(podLogs: string, name: string): string[] {
  if (!existsSync(podLogs)) return [];
  const byContainer = collect(podLogs, (_pod, container) => container === name);
  if (byContainer.length > 0) return byContainer;
  return collect(podLogs, (pod, container) => {
    try {
      const labels = JSON.parse(readFileSync(join(podLogs, pod, 'labels.json'), 'utf8'));
      return labels.app === name && labels.container === container;
    } catch {
      return false;
    }
  });
}

function collect(podLogs: string, match: (pod: string, container: string) => boolean): string[] {
  const found: { file: string; mtime: number }[] = [];
  for (const pod of readdirSync(podLogs)) {
    const podDir = join(podLogs, pod);
    if (!statSync(podDir).isDirectory()) continue;
    for (const container of readdirSync(podDir)) {
      const dir = join(podDir, container);
      if (!match(pod, container) || !statSync(dir).isDirectory()) continue;
      for (const f of readdirSync(dir)) {
        if (/^\d+\.log$/.test(f)) found.push({ file: join(dir, f), mtime: statMtime(join(dir, f)) });
      }
    }
  }
  return found.sort((a, b) => b.mtime - a.mtime).map((f) => f.file);
}

function statMtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
