// Reads V8 CPU profiles (.cpuprofile, from `--cpu-prof`) and prints where the time went, headless: self time
// summed by function and by where the code lives (a package, node's internals, the garbage collector).
//
//   node dist/src/profile-summary.js [--top N] [--requests N] <file.cpuprofile>…
//
// With several files, each is summarized on its own. `--requests` divides by the requests the profile
// covers, to print microseconds per request beside the share of the profile.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time (µs) per key, biggest first. */
export type Totals = [string, number][];

/** Where a frame's code lives: a package name, `node:<module>`, or V8's own buckets. */
export function placeOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(root)')
      return functionName;
    return '(native)';
  }
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const packages = url.match(/\/(libs|observability|runtime|platform|apps|test|bench|deploy)\/([^/]+)\//);
  return packages ? `${packages[1]}/${packages[2]}` : url;
}

/** Self time by function and by place, from the profile's samples and their time deltas. */
export function summarize(profile: CpuProfile): { total: number; byFunction: Totals; byPlace: Totals } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    // The delta before sample i+1 is the time spent in sample i.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    total += micros;
    const place = placeOf(url, functionName);
    const fn = `${functionName || '(anonymous)'} ${place}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
  }
  const sorted = (m: Map<string, number>): Totals => [...m].sort((a, b) => b[1] - a[1]);
  return { total, byFunction: sorted(byFunction), byPlace: sorted(byPlace) };
}

function main(): void {
  const args = process.argv.slice(2);
  let top = 30;
  let requests: number | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--top') top = Number(args[++i]);
    else if (args[i] === '--requests') requests = Number(args[++i]);
    else files.push(args[i]!);
  }
  if (files.length === 0) {
    console.error('usage: profile-summary [--top N] [--requests N] <file.cpuprofile>…');
    process.exit(2);
  }
  for (const file of files) {
    const { total, byFunction, byPlace } = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const row = ([name, micros]: [string, number]): string => {
      const share = `${((100 * micros) / total).toFixed(1).padStart(5)} %`;
      const per = requests ? `  ${(micros / requests).toFixed(2).padStart(6)} µs/req` : '';
      return `  ${share}${per}  ${name}`;
    };
    console.log(`\n${basename(file)}: ${(total / 1000).toFixed(0)} ms of CPU sampled (idle excluded)`);
    console.log(' by place:');
    for (const entry of byPlace.slice(0, 15)) console.log(row(entry));
    console.log(' by function (self time):');
    for (const entry of byFunction.slice(0, top)) console.log(row(entry));
  }
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) main();
