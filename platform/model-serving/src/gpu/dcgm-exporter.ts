import { hostname } from 'node:os';
import { dcgmFiDevFbUsed, dcgmFiDevGpuUtil } from '@opsight/catalog';
import { type Exposition, MetricsRegistry } from '@opsight/telemetry';
import { queryNvidiaSmi } from './nvidia-smi.js';

export interface DcgmExporterOptions {
  /** The nvidia-smi binary. @default process.env.NVIDIA_SMI, else 'nvidia-smi' (from PATH) */
  nvidiaSmi?: string;
  /** `Hostname` label. @default os.hostname() */
  hostname?: string;
  /** nvidia-smi must answer within this long. @default 5000 */
  timeoutMs?: number;
}

/**
 * dcgm-exporter's two core series, read from nvidia-smi at each scrape: `DCGM_FI_DEV_GPU_UTIL` (%) and
 * `DCGM_FI_DEV_FB_USED` (MiB), labelled `gpu, UUID, pci_bus_id, device, modelName, Hostname` as
 * dcgm-exporter labels them, so the same recording rules work on both.
 */
export class DcgmExporter {
  readonly registry = new MetricsRegistry({ defaultMetrics: false });
  readonly #util = this.registry.gauge(dcgmFiDevGpuUtil);
  readonly #fb = this.registry.gauge(dcgmFiDevFbUsed);
  readonly #binary: string;
  readonly #hostname: string;
  readonly #timeoutMs: number;

  constructor(options: DcgmExporterOptions = {}) {
    this.#binary = options.nvidiaSmi ?? process.env.NVIDIA_SMI ?? 'nvidia-smi';
    this.#hostname = options.hostname ?? hostname();
    this.#timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** Queries nvidia-smi and replaces every series; rejects when nvidia-smi fails. */
  async refresh(): Promise<number> {
    const samples = await queryNvidiaSmi(this.#binary, this.#timeoutMs);
    this.#util.reset();
    this.#fb.reset();
    for (const s of samples) {
      const labels = {
        gpu: s.index,
        UUID: s.uuid,
        pci_bus_id: s.pciBusId,
        device: `nvidia${s.index}`,
        modelName: s.name,
        Hostname: this.#hostname,
      };
      if (Number.isFinite(s.utilizationPercent)) this.#util.set(labels, s.utilizationPercent);
      if (Number.isFinite(s.memoryUsedMiB)) this.#fb.set(labels, s.memoryUsedMiB);
    }
    return samples.length;
  }

  /** Refreshes, then renders the exposition (OpenMetrics when `accept` asks for it). */
  async scrape(accept?: string): Promise<Exposition> {
    await this.refresh();
    return this.registry.render(accept);
  }
}
