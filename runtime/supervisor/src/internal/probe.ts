import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { ProbeSpec } from '../spec.js';

/** Outcome of one probe run. */
export interface ProbeResult {
  ok: boolean;
  /** Why it failed, for status and logs. */
  detail?: string;
}

/** Runs a probe once. Never throws; a probe that outlives `timeoutMs` fails. */
export function runProbe(
  probe: ProbeSpec,
  context: { env: NodeJS.ProcessEnv; wrap: (command: string, args: string[]) => [string, string[]] },
): Promise<ProbeResult> {
  const timeoutMs = probe.timeoutMs ?? 2000;
  if (probe.http) return httpProbe(probe.http, timeoutMs);
  if (probe.tcp) return tcpProbe(probe.tcp, timeoutMs);
  if (probe.exec) {
    const [cmd, args] = context.wrap(probe.exec.command, probe.exec.args ?? []);
    return execProbe(cmd, args, context.env, timeoutMs);
  }
  return Promise.resolve({ ok: false, detail: 'probe has no check' });
}

function httpProbe(h: NonNullable<ProbeSpec['http']>, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: h.host ?? '127.0.0.1',
        port: h.port,
        path: h.path ?? '/',
        method: 'GET',
        headers: h.headers,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? { ok: true } : { ok: false, detail: `HTTP ${code}` });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, detail: err.message }));
    req.end();
  });
}

function tcpProbe(t: NonNullable<ProbeSpec['tcp']>, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: t.host ?? '127.0.0.1', port: t.port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true });
    });
    socket.once('error', (err) => resolve({ ok: false, detail: err.message }));
  });
}

function execProbe(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 500) err += d.toString();
    });
    child.once('error', (e) => resolve({ ok: false, detail: e.message }));
    child.once('close', (code, signal) => {
      if (code === 0) resolve({ ok: true });
      else resolve({ ok: false, detail: (err.trim() || `exit ${code ?? signal}`).slice(0, 200) });
    });
  });
}
