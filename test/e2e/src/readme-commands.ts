/**
 * The `npx opsight …` commands a README shows, as a reader would type them: lines of its code blocks
 * that start with `npx opsight` (the trailing `# comment` removed), and inline code spans that hold one.
 * `npx opsight …` (with an ellipsis) names the commands in prose and is not one.
 */
export function readmeCommands(markdown: string): string[] {
  const found: string[] = [];
  let inBlock = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      inBlock = !inBlock;
      continue;
    }
    if (inBlock) {
      const command = /^\s*(npx opsight\b[^#]*)/.exec(line)?.[1];
      if (command) found.push(command.trim());
      continue;
    }
    for (const span of line.matchAll(/`(npx opsight\b[^`]*)`/g)) found.push(span[1]!.trim());
  }
  return [...new Set(found)].filter((command) => !command.includes('…'));
}

/**
 * A README command as arguments for `npx`. Placeholders (`<component>`) take the value `values` gives
 * them. Throws when the command needs a shell (quotes, pipes, variables) or names a placeholder without
 * a value: either is something the test cannot run as written.
 */
export function commandArgs(command: string, values: Record<string, string>): string[] {
  if (/["'`$|&;<>\\(){}*?]/.test(command.replace(/<[a-z-]+>/g, ''))) {
    throw new Error(`"${command}" needs a shell; write it as plain words`);
  }
  return command.split(/\s+/).map((word) =>
    word.replace(/<([a-z-]+)>/g, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`"${command}": no value for the placeholder <${name}>`);
      return value;
    }),
  );
}
