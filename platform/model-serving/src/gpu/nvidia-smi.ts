import { execFile } from 'node:child_process';

/** One GPU as nvidia-smi reports it. */
export interface GpuSample {
  index: string;
  uuid: string;
  name: string;
  pciBusId: string;
  /** utilization.gpu, percent. */
  utilizationPercent: number;
  /** memory.used, MiB. */
  memoryUsedMiB: number;
}

/** The fields queried, in column order. */
export const NVIDIA_SMI_FIELDS = ['index', 'uuid', 'name', 'pci.bus_id', 'utilization.gpu', 'memory.used'];

/** Parses `nvidia-smi --query-gpu=<NVIDIA_SMI_FIELDS> --format=csv,noheader,nounits`; throws on a bad line. */
export function parseNvidiaSmiCsv(text: string): GpuSample[] {
  const samples: GpuSample[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const cols = line.split(',').map((c) => c.trim());
    if (cols.length !== NVIDIA_SMI_FIELDS.length)
      throw new Error(
        `nvidia-smi line ${i + 1}: expected ${NVIDIA_SMI_FIELDS.length} columns, got ${cols.length}`,
      );
    const [index, uuid, name, pciBusId, util, mem] = cols as [string, string, string, string, string, string];
    // A GPU that cannot report a value prints "[N/A]" or "[Not Supported]": that value is NaN.
    samples.push({
      index,
      uuid,
      name,
      pciBusId,
      utilizationPercent: Number(util.startsWith('[') ? Number.NaN : util),
      memoryUsedMiB: Number(mem.startsWith('[') ? Number.NaN : mem),
    });
  }
  return samples;
}

/** Runs nvidia-smi (the binary at `binary`) and parses its answer. */
export function queryNvidiaSmi(binary = 'nvidia-smi', timeoutMs = 5_000): Promise<GpuSample[]> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      [`--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`, '--format=csv,noheader,nounits'],
      { timeout: timeoutMs, maxBuffer: 1024 * 1024 },
      (error, stdout) => {
        if (error) reject(error);
        else {
          try {
            resolve(parseNvidiaSmiCsv(stdout));
          } catch (e) {
            reject(e);
          }
        }
      },
    );
  });
}
