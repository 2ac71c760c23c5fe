/**
 * Checks a multi-stage Dockerfile without building it: stages are named, every `COPY --from` names an
 * earlier stage, every plain COPY source exists in the build context, build arguments are declared in
 * the stage that uses them, and the final stage switches to a non-root USER.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Instruction {
  op: string;
  args: string;
  line: number;
}

function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const start = i + 1;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]!, line: start });
  }
  return out;
}

/** Problems of the Dockerfile at `file`, whose build context is `context`; empty when it fits. */
export function dockerfileProblems(file: string, context: string): string[] {
  const problems: string[] = [];
  const stages: string[] = [];
  const globalArgs = new Set<string>();
  let stageArgs = new Set<string>();
  let lastUser: string | undefined;
  for (const ins of instructions(readFileSync(file, 'utf8'))) {
    const where = `line ${ins.line}`;
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args.trim());
      if (!m?.[2]) problems.push(`${where}: stage without a name (FROM <image> AS <name>)`);
      for (const v of (m?.[1] ?? '').matchAll(/\$\{?([A-Z_]+)/g))
        if (!globalArgs.has(v[1]!)) problems.push(`${where}: ${v[1]} is not declared before FROM`);
      stages.push(m?.[2] ?? '');
      stageArgs = new Set();
      lastUser = undefined;
      continue;
    }
    if (ins.op === 'ARG') {
      const name = ins.args.split('=')[0]!.trim();
      (stages.length === 0 ? globalArgs : stageArgs).add(name);
      continue;
    }
    if (stages.length === 0) {
      problems.push(`${where}: ${ins.op} before the first FROM`);
      continue;
    }
    if (ins.op === 'RUN' || ins.op === 'ENV' || ins.op === 'WORKDIR')
      for (const v of ins.args.matchAll(/\$\{([A-Z_]+)\}/g))
        if (!stageArgs.has(v[1]!) && !/^(HOME|PATH)$/.test(v[1]!))
          problems.push(`${where}: ${v[1]} is not an ARG of this stage`);
    if (ins.op === 'COPY' || ins.op === 'ADD') {
      const parts = ins.args.split(/\s+/);
      const flags = parts.filter((p) => p.startsWith('--'));
      const paths = parts.filter((p) => !p.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      if (paths.length < 2) problems.push(`${where}: ${ins.op} needs a source and a destination`);
      if (from !== undefined) {
        if (!stages.slice(0, -1).includes(from))
          problems.push(`${where}: --from=${from} is not an earlier stage`);
      } else {
        for (const source of paths.slice(0, -1))
          if (!existsSync(join(context, source)))
            problems.push(`${where}: ${source} does not exist in the build context`);
      }
    }
    if (ins.op === 'USER') lastUser = ins.args.trim();
  }
  if (stages.length < 2) problems.push('not a multi-stage build');
  if (lastUser === undefined || /^(root|0)(:|$)/.test(lastUser))
    problems.push('the final stage does not switch to a non-root USER');
  return problems;
}
