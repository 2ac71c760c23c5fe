#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { parseDuration, SCENARIO_NAMES, scenario } from '@opsight/loadgen';
import { down } from '../commands/down.js';
import { type KeysAction, KeysUsageError, keys, parseExpiresIn, stackKeyAdmin } from '../commands/keys.js';
import { load } from '../commands/load.js';
import { logs } from '../commands/logs.js';
import { rulesTest } from '../commands/rules.js';
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
  keys create --user <id> [--expires-in 30d] [--name <text>] [--rpm N] [--tpm N]
                             create an API key; it is printed once
  keys list [--user <id>]    API keys (id, prefix, user, status, expiry)
  keys revoke <id|prefix>    revoke an API key
  keys rotate <id|prefix>    give an API key a new secret (printed once); the old one stops working
  load <scenario> [--rate N] [--duration 60s] [--out FILE] [--models a,b] [--seed N]
                             traffic through the gateway, ground truth written to a JSON file;
                             scenarios: ${SCENARIO_NAMES.join(', ')}; slow-model sends
                             to chat-large and slows it by 1.5 s for the run (its fault switch)
  rules test <file>...       unit tests of LogQL rules (promtool's test files, with input
                             streams); exit 1 when a test fails

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
    case 'keys':
      try {
        return await keys(keysAction(rest), stackKeyAdmin(root));
      } catch (error) {
        if (error instanceof KeysUsageError) throw new UsageError(error.message);
        throw error;
      }
    case 'load': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          rate: { type: 'string', default: '5' },
          duration: { type: 'string', default: '60s' },
          out: { type: 'string' },
          models: { type: 'string' },
          seed: { type: 'string' },
        },
      });
      const sc = scenario(positionals[0] ?? '');
      if (!sc || positionals.length > 1) {
        throw new UsageError(`load takes one scenario (${SCENARIO_NAMES.join(', ')})`);
      }
      const rate = Number(values.rate);
      if (!(rate > 0 && rate <= 100_000))
        throw new UsageError(`--rate must be a positive number, not "${values.rate}"`);
      const durationMs = parseDuration(values.duration);
      if (!durationMs) throw new UsageError(`--duration must look like 60s or 2m, not "${values.duration}"`);
      const seed = values.seed === undefined ? undefined : Number(values.seed);
      if (seed !== undefined && !Number.isInteger(seed))
        throw new UsageError('--seed must be a whole number');
      const models = values.models
        ?.split(',')
        .map((m) => m.trim())
        .filter(Boolean);
      return load({ root, scenario: sc.name, rate, durationMs, out: values.out, models, seed });
    }
    case 'rules': {
      const [sub, ...files] = rest;
      if (sub !== 'test') throw new UsageError(sub ? `unknown rules command "${sub}"` : 'rules needs test');
      const { positionals } = parseArgs({ args: files, options: {}, allowPositionals: true });
      if (positionals.length === 0) throw new UsageError('rules test takes one or more test files');
      return rulesTest({ files: positionals });
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

function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new UsageError(`${flag} must be a positive whole number`);
  return Number(text);
}

function keysAction(args: string[]): KeysAction {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create': {
      const { values } = parseArgs({
        args: rest,
        options: {
          user: { type: 'string' },
          'expires-in': { type: 'string' },
          name: { type: 'string' },
          rpm: { type: 'string' },
          tpm: { type: 'string' },
        },
      });
      if (!values.user) throw new UsageError('keys create needs --user <id>');
      // Checked before connecting, so a typo is a usage error whether or not the stack is up.
      if (values['expires-in'] !== undefined) parseExpiresIn(values['expires-in']);
      return {
        action: 'create',
        userId: values.user,
        expiresIn: values['expires-in'],
        name: values.name,
        rpm: positiveInt(values.rpm, '--rpm'),
        tpm: positiveInt(values.tpm, '--tpm'),
      };
    }
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { user: { type: 'string' } } });
      return { action: 'list', userId: values.user };
    }
    case 'revoke':
    case 'rotate': {
      const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true });
      if (positionals.length !== 1) throw new UsageError(`keys ${sub} takes one key id or prefix`);
      return { action: sub, target: positionals[0]! };
    }
    default:
      throw new UsageError(
        sub ? `unknown keys command "${sub}"` : 'keys needs create, list, revoke or rotate',
      );
  }
}

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
