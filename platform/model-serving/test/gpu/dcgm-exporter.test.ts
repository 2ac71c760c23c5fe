import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DcgmExporter } from '../../src/gpu/dcgm-exporter.js';
import { parseNvidiaSmiCsv } from '../../src/gpu/nvidia-smi.js';

const dir = mkdtempSync(join(tmpdir(), 'fake-nvidia-smi-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fakeNvidiaSmi(output: string, exitCode = 0): string {
  const path = join(dir, `nvidia-smi-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    path,
    `#!/bin/sh\ncase "$*" in *--query-gpu=index,uuid,name,pci.bus_id,utilization.gpu,memory.used*--format=csv,noheader,nounits*) ;; *) echo "bad args: $*" >&2; exit 9;; esac\nprintf '%s' '${output}'\nexit ${exitCode}\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

test('exports DCGM_FI_DEV_GPU_UTIL and DCGM_FI_DEV_FB_USED with dcgm-exporter labels', async () => {
  const nvidiaSmi = fakeNvidiaSmi(
    '0, GPU-aaaa, NVIDIA H100 80GB HBM3, 00000000:18:00.0, 87, 40312\n1, GPU-bbbb, NVIDIA H100 80GB HBM3, 00000000:2A:00.0, 0, 3\n',
  );
  const exporter = new DcgmExporter({ nvidiaSmi, hostname: 'node-1' });
  const { body } = await exporter.scrape();
  assert.match(
    body,
    /DCGM_FI_DEV_GPU_UTIL\{gpu="0",UUID="GPU-aaaa",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1"\} 87/,
  );
  assert.match(body, /DCGM_FI_DEV_FB_USED\{gpu="1",UUID="GPU-bbbb",[^}]*\} 3/);
  assert.match(body, /# TYPE DCGM_FI_DEV_GPU_UTIL gauge/);
});

test('values nvidia-smi cannot report are left out; a failing nvidia-smi rejects', async () => {
  const exporter = new DcgmExporter({
    nvidiaSmi: fakeNvidiaSmi('0, GPU-a, T4, 0:1, [N/A], 100\n'),
    hostname: 'h',
  });
  const { body } = await exporter.scrape();
  assert.doesNotMatch(body, /DCGM_FI_DEV_GPU_UTIL\{/);
  assert.match(body, /DCGM_FI_DEV_FB_USED\{[^}]*\} 100/);
  await assert.rejects(new DcgmExporter({ nvidiaSmi: fakeNvidiaSmi('', 3) }).refresh());
  await assert.rejects(new DcgmExporter({ nvidiaSmi: join(dir, 'missing') }).refresh());
  assert.throws(() => parseNvidiaSmiCsv('0, GPU-a, 87\n'), /expected 6 columns/);
});

// nvidia-smi's answers captured on an NVIDIA H100 80GB HBM3, idle and under a bf16 matrix-product loop
// holding 20 GiB, and the exposition the exporter served there at the same moment.
const fixtures = new URL('../../../test/gpu/fixtures/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, fixtures), 'utf8');

test('real nvidia-smi output from an H100 parses, idle and busy', () => {
  const [idle] = parseNvidiaSmiCsv(fixture('h100-idle.csv'));
  const [busy] = parseNvidiaSmiCsv(fixture('h100-busy.csv'));
  assert.deepEqual(idle, {
    index: '0',
    uuid: 'GPU-671f4c84-5da1-c28c-1afb-baf2d01fdf30',
    name: 'NVIDIA H100 80GB HBM3',
    pciBusId: '00000000:00:06.0',
    utilizationPercent: 0,
    memoryUsedMiB: 0,
  });
  assert.equal(busy?.utilizationPercent, 100);
  assert.equal(busy?.memoryUsedMiB, 21491);
});

test('the exposition from a real H100 answer is the one served on the H100', async () => {
  const exporter = new DcgmExporter({ nvidiaSmi: fakeNvidiaSmi(fixture('h100-busy.csv')), hostname: 'vm' });
  const { body } = await exporter.scrape();
  assert.equal(body.trim(), fixture('h100-busy.prom').trim());
});
