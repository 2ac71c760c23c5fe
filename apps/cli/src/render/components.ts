import type { ComponentStatus } from '@opsight/supervisor';
import { styler } from './style.js';
import { renderTable } from './table.js';

/** The component table of `opsight up` and `opsight status`. */
export function renderComponents(
  components: ComponentStatus[],
  stream: NodeJS.WriteStream = process.stdout,
): string {
  const s = styler(stream);
  const rows = components.map((c) => {
    const ok = c.kind === 'job' ? c.state === 'Completed' : c.ready;
    const state = ok
      ? s.green(c.state)
      : c.state === 'BackOff' || c.state === 'Failed'
        ? s.red(c.state)
        : s.yellow(c.state);
    return [
      `${c.namespace}/${c.name}`,
      state,
      c.kind === 'job' ? '-' : c.ready ? 'yes' : 'no',
      String(c.restarts),
      c.pid === undefined ? '-' : String(c.pid),
      c.ports.map((p) => String(p.port)).join(',') || '-',
      c.startedAt ? age(c.startedAt) : '-',
      c.message,
    ];
  });
  return renderTable(['COMPONENT', 'STATE', 'READY', 'RESTARTS', 'PID', 'PORTS', 'AGE', 'MESSAGE'], rows);
}

function age(iso: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
}
