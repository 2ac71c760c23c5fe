/** The fault table: printed as text, written as JSON and markdown for the closing note. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { atTarget, type FaultRow } from './row.js';

const COLUMNS = [
  'fault',
  'records sent',
  'acknowledged',
  'present afterwards',
  'lost',
  'duplicated',
  'requests failed',
  'seconds to recover',
  'at target',
] as const;

/** The targets printed beside the table. */
export const TARGETS = [
  '0 acknowledged lines, spans or notifications lost',
  '0 duplicate notifications',
  "log shipping back to a lag under 30 s within 30 s of a fault's end",
  'platform requests failed only where the fault leaves no way to serve them',
];

function cells(row: FaultRow): string[] {
  const n = (v: number | null) => (v === null ? '-' : String(v));
  return [
    row.fault,
    String(row.sent),
    String(row.acknowledged),
    n(row.present),
    n(row.lost),
    n(row.duplicated),
    String(row.requestsFailed),
    row.recoverySeconds === null ? (row.skipped ? '-' : 'never') : row.recoverySeconds.toFixed(1),
    row.skipped ? 'skipped' : atTarget(row) ? 'yes' : 'NO',
  ];
}

/** The table as markdown, with the targets and, per row, what missed and the row's note. */
export function renderMarkdown(rows: readonly FaultRow[], startedAt: Date): string {
  const lines = [
    `# Fault suite (npm run chaos), ${startedAt.toISOString()}`,
    '',
    `Targets: ${TARGETS.join('; ')}.`,
    '',
    `| ${COLUMNS.join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${cells(r).join(' | ')} |`),
    '',
  ];
  for (const r of rows) {
    if (r.skipped) lines.push(`- **${r.fault}**: skipped: ${r.skipped}`);
    else {
      const missed = r.targets.filter((t) => !t.met).map((t) => `${t.name}: ${t.detail}`);
      lines.push(
        `- **${r.fault}**: ${r.note}${missed.length ? ` **Missed:** ${missed.join('; ')}.` : ' At target.'}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The table as aligned text for the terminal. */
export function renderText(rows: readonly FaultRow[]): string {
  const all = [COLUMNS as readonly string[], ...rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [line(all[0]!), widths.map((w) => '-'.repeat(w)).join('-|-'), ...all.slice(1).map(line)].join('\n');
}

/** Writes `chaos.json` and `chaos.md` under `dir`; returns their paths. */
export function writeReport(dir: string, rows: readonly FaultRow[], startedAt: Date): string[] {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'chaos.json');
  const md = join(dir, 'chaos.md');
  writeFileSync(
    json,
    `${JSON.stringify({ startedAt: startedAt.toISOString(), targets: TARGETS, atTarget: rows.every(atTarget), rows }, null, 2)}\n`,
  );
  writeFileSync(md, renderMarkdown(rows, startedAt));
  return [json, md];
}
