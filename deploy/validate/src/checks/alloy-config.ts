/**
 * Checks a Grafana Alloy configuration without Alloy: a small reader of the Alloy syntax (blocks,
 * attributes, strings, comments) finds the components, then checks that each is a component Alloy
 * has, each label is used once per component, every reference `<component>.<label>.<export>` points
 * at a defined component, and the arguments each used component requires are present (loki.write an
 * endpoint with a url; loki.process and loki.source.* a forward_to; discovery.relabel targets;
 * local.file_match path_targets; discovery.kubernetes and discovery.docker their role / host).
 * Security: every loki.write endpoint names its tenant (tenant_id: Loki runs with auth_enabled), and
 * nothing reads the Docker socket (root on the host): container logs are read as files.
 */

/** The components the repository's Alloy files use, with the arguments or blocks each requires. */
const REQUIRED: Record<string, string[]> = {
  'discovery.kubernetes': ['role'],
  'discovery.docker': ['host'],
  'discovery.relabel': ['targets'],
  'local.file_match': ['path_targets'],
  'loki.source.file': ['targets', 'forward_to'],
  'loki.source.docker': ['host', 'targets', 'forward_to'],
  'loki.process': ['forward_to'],
  'loki.relabel': ['forward_to'],
  'loki.write': ['endpoint'],
  'prometheus.scrape': ['targets', 'forward_to'],
  'prometheus.remote_write': ['endpoint'],
};

export interface AlloyBlock {
  name: string;
  label: string | undefined;
  /** Attribute names and nested block names directly inside the block. */
  keys: string[];
  /** The block's text, for reference scanning and nested checks. */
  text: string;
}

/** Splits Alloy source into its top-level blocks; throws on unbalanced braces or strings. */
export function readAlloyBlocks(source: string): AlloyBlock[] {
  // Blank out comments and string contents (keeping quotes and length) so braces inside them do not count.
  let clean = '';
  for (let i = 0; i < source.length; ) {
    const two = source.slice(i, i + 2);
    if (two === '//') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      clean += ' '.repeat(stop - i);
      i = stop;
    } else if (two === '/*') {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) throw new Error('unterminated block comment');
      clean += source.slice(i, end + 2).replace(/[^\n]/g, ' ');
      i = end + 2;
    } else if (source[i] === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === '\\' ? 2 : 1;
      if (j >= source.length) throw new Error(`unterminated string at offset ${i}`);
      clean += `"${source.slice(i + 1, j).replace(/[{}=]/g, '_')}"`;
      i = j + 1;
    } else {
      clean += source[i];
      i++;
    }
  }
  const blocks: AlloyBlock[] = [];
  const header = /([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\s*(?:"([^"]*)")?\s*\{/gy;
  let i = 0;
  while (i < clean.length) {
    if (/\s/.test(clean[i]!)) {
      i++;
      continue;
    }
    header.lastIndex = i;
    const m = header.exec(clean);
    if (!m) throw new Error(`expected a block at offset ${i}: ${clean.slice(i, i + 30).trim()}`);
    let depth = 1;
    let j = header.lastIndex;
    for (; j < clean.length && depth > 0; j++) {
      if (clean[j] === '{') depth++;
      else if (clean[j] === '}') depth--;
    }
    if (depth !== 0) throw new Error(`block ${m[1]} is not closed`);
    const inner = clean.slice(header.lastIndex, j - 1);
    const keys: string[] = [];
    let d = 0;
    for (const token of inner.matchAll(/([a-z_][a-z0-9_]*)\s*(=(?!=)|\{)|[{}]/g)) {
      if (token[0] === '{') d++;
      else if (token[0] === '}') d--;
      else {
        if (d === 0 && token[1]) keys.push(token[1]);
        if (token[2] === '{') d++;
      }
    }
    blocks.push({ name: m[1]!, label: m[2], keys, text: source.slice(i, j) });
    i = j;
  }
  return blocks;
}

/** Problems of an Alloy configuration; empty when it fits. */
export function alloyConfigProblems(source: string): string[] {
  let blocks: AlloyBlock[];
  try {
    blocks = readAlloyBlocks(source);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  const defined = new Set<string>();
  for (const b of blocks) {
    if (!(b.name in REQUIRED)) {
      problems.push(`unknown component ${b.name}`);
      continue;
    }
    const id = `${b.name}.${b.label ?? ''}`;
    if (b.label === undefined) problems.push(`${b.name} has no label`);
    if (defined.has(id)) problems.push(`${id} is defined twice`);
    defined.add(id);
    for (const key of REQUIRED[b.name]!) if (!b.keys.includes(key)) problems.push(`${id} lacks ${key}`);
    if (b.name === 'loki.write' && !/endpoint\s*\{[^}]*\burl\s*=/.test(b.text))
      problems.push(`${id}: endpoint has no url`);
    if (b.name === 'loki.write' && !/endpoint\s*\{[^}]*\btenant_id\s*=/.test(b.text))
      problems.push(`${id}: endpoint has no tenant_id (Loki runs with auth_enabled)`);
    if (/docker\.sock/.test(b.text))
      problems.push(`${id}: reads the Docker socket (root on the host); read the log files instead`);
  }
  const names = Object.keys(REQUIRED)
    .map((n) => n.replace(/\./g, '\\.'))
    .join('|');
  for (const b of blocks) {
    const body = b.text.slice(b.text.indexOf('{'));
    for (const ref of body.matchAll(new RegExp(`\\b(${names})\\.([a-z_][a-z0-9_]*)\\.(\\w+)`, 'g'))) {
      if (!defined.has(`${ref[1]}.${ref[2]}`))
        problems.push(`${b.name}.${b.label}: reference to undefined ${ref[1]}.${ref[2]}`);
    }
  }
  return problems;
}
