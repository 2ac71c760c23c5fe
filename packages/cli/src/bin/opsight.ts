#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { down } from '../commands/down.js';
import { logs } from '../commands/logs.js';
import { status } from '../commands/status.js';
import { up } from '../commands/up.js';
import { repoRoot } from '../root.js';

const USAGE = `usage: opsight <command> [options]

commands:
  up                         start the local stack in the foreground (Ctrl-C stops it)
  down                       stop the running stack
  status [--json]            components and readiness; exit 0 when everything is ready
  logs <component|app> [-f] [--tail N] [--previous]
                             a component's log (e.g. opsight logs prometheus -f); an app
                             name picks its newest container log

environment:
  OPSIGHT_PORT_<NAME>=<port> move one port (e.g. OPSIGHT_PORT_PROMETHEUS=19090)
  OPSIGHT_PORT_OFFSET=<n>    shift every port by n
  OPSIGHT_VAR_DIR=<dir>      state directory (default: var/ in the checkout)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const root = repoRoot();
  switch (command) {
    case 'up':
      parseArgs({ args: rest, options: {}, allowPositionals: false });
      return up({ root });
    case 'down':
      parseArgs({ args: rest, options: {}, allowPositionals: false });
      return down({ root });
    case 'status': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } });
      return status({ root, json: values.json });
    }
    case 'logs': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          follow: { type: 'boolean', short: 'f' },
          tail: { type: 'string' },
          previous: { type: 'boolean', short: 'p' },
        },
      });
      const component = positionals[0];
      if (!component || positionals.length > 1) throw new UsageError('logs takes one component name');
      const tail = values.tail === undefined ? undefined : Number(values.tail);
      if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
        throw new UsageError(`--tail must be a whole number, not "${values.tail}"`);
      }
      return logs({ root, component, follow: values.follow, tail, previous: values.previous });
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exit(code);
  },
  (err: Error) => {
    const usage =
      err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`opsight: ${err.message}\n${usage ? `\n${USAGE}` : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);
