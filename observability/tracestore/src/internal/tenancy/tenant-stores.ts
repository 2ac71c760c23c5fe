// One span store per tenant: tenant `fake` (the single tenant) in the data directory itself, as before, and
// every other tenant in `tenants/<name>/` beneath it (the name percent-encoded, so no tenant name is a path).
// Separate databases make isolation structural: a query opens its tenant's database and no other.
//
// The size budget (`retention.maxBytes`) is split evenly between the configured tenants (the token file's)
// and the tenants that hold data; one tenant gets the whole budget. A tenant may use more than its share
// while the store as a whole is under budget; once it is over, every tenant over its share is cut back to
// its share, oldest traces first within that tenant. A tenant within its share is never evicted.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceIngester } from '../otlp/trace-ingester.js';
import { type RetentionOptions, SpanStore, type SpanStoreOptions } from '../storage/span-store.js';
import { DEFAULT_TENANT } from './request-tenant.js';

export interface TenantStoresOptions extends Omit<SpanStoreOptions, 'retention'> {
  /** The whole store's retention; `maxBytes` is split per tenant. @default { maxAgeMs: 7 days, maxBytes: 2 GiB } */
  retention?: Partial<RetentionOptions>;
  /** The configured tenants, each owed a share of the size budget. @default () => [] */
  tenants?: () => string[];
  /** Makes the ingester of a tenant's store. */
  makeIngester: (store: SpanStore) => TraceIngester;
}

/** The directory name of a tenant: percent-encoded, `.` and the other Loki tenant characters included. */
export function tenantDirName(tenant: string): string {
  return encodeURIComponent(tenant).replace(
    /[.!*'()]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export class TenantStores {
  private readonly units = new Map<string, { store: SpanStore; ingester: TraceIngester }>();
  readonly maxBytes: number;

  constructor(private readonly options: TenantStoresOptions) {
    this.maxBytes = options.retention?.maxBytes ?? 2 * 1024 ** 3;
    this.unit(DEFAULT_TENANT);
    if (options.dataDir !== ':memory:') {
      let names: string[] = [];
      try {
        names = readdirSync(join(options.dataDir, 'tenants'));
      } catch {}
      for (const name of names) this.unit(decodeURIComponent(name));
    }
  }

  private unit(tenant: string): { store: SpanStore; ingester: TraceIngester } {
    let u = this.units.get(tenant);
    if (!u) {
      const { dataDir } = this.options;
      const store = new SpanStore({
        ...this.options,
        dataDir:
          dataDir === ':memory:' || tenant === DEFAULT_TENANT
            ? dataDir
            : join(dataDir, 'tenants', tenantDirName(tenant)),
        // The size budget is applied per tenant by enforceRetention below.
        retention: { maxAgeMs: this.options.retention?.maxAgeMs, maxBytes: Number.POSITIVE_INFINITY },
      });
      u = { store, ingester: this.options.makeIngester(store) };
      this.units.set(tenant, u);
    }
    return u;
  }

  /** The store of a tenant (opened, or created, on first use). */
  store(tenant: string): SpanStore {
    return this.unit(tenant).store;
  }

  /** The ingester of a tenant's store. */
  ingester(tenant: string): TraceIngester {
    return this.unit(tenant).ingester;
  }

  /** Every open store. */
  all(): SpanStore[] {
    return [...this.units.values()].map((u) => u.store);
  }

  usedBytes(): number {
    return this.all().reduce((n, s) => n + s.usedBytes(), 0);
  }

  spanCount(): number {
    return this.all().reduce((n, s) => n + s.spanCount(), 0);
  }

  /** Whether the live data of all tenants is over the size budget. */
  overBudget(): boolean {
    return this.usedBytes() > this.maxBytes;
  }

  /** The share of the size budget each tenant is owed now. */
  shareBytes(): number {
    const names = new Set(this.options.tenants?.() ?? []);
    for (const [t, u] of this.units) if (t === DEFAULT_TENANT ? u.store.spanCount() > 0 : true) names.add(t);
    return this.maxBytes / Math.max(1, names.size);
  }

  /** Age retention in every store; when over budget, every tenant over its share cut back to it. */
  enforceRetention(nowMs = Date.now()): number {
    const over = this.overBudget();
    const share = this.shareBytes();
    let deleted = 0;
    for (const store of this.all()) {
      store.retention.maxBytes = over && store.usedBytes() > share ? share : Number.POSITIVE_INFINITY;
      deleted += store.enforceRetention(nowMs);
    }
    return deleted;
  }

  close(): void {
    for (const u of this.units.values()) u.store.close();
  }
}
