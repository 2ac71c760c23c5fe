/** Kinds of receiver the relay delivers to. */
export type ReceiverType = 'dingtalk' | 'feishu' | 'slack' | 'inbox';

/** One receiver as written in the configuration file (secrets are never in the file: they come from env). */
export interface ReceiverConfig {
  readonly name: string;
  readonly type: ReceiverType;
  /** Robot or webhook URL. Slack-compatible webhooks carry their secret in the URL: use `urlEnv` then. */
  readonly url?: string;
  /** Environment variable holding the URL, in place of `url`. */
  readonly urlEnv?: string;
  /** Environment variable holding the signing secret (DingTalk and Feishu robots: required). */
  readonly secretEnv?: string;
  /** Alertmanager routes (`?route=` of the webhook URL) this receiver takes. @default every route */
  readonly routes?: readonly string[];
}

/** A receiver ready to deliver: URL and secret resolved. */
export interface Receiver {
  readonly name: string;
  readonly type: ReceiverType;
  readonly url?: string;
  readonly secret?: string;
  readonly routes?: readonly string[];
}

/** Thrown at start for a receiver that cannot work; `receiver` names it. */
export class RelayConfigError extends Error {
  override readonly name = 'RelayConfigError';
  constructor(
    readonly receiver: string,
    reason: string,
  ) {
    super(`receiver ${receiver}: ${reason}`);
  }
}

const TYPES: readonly ReceiverType[] = ['dingtalk', 'feishu', 'slack', 'inbox'];

/**
 * Resolves the receivers of a configuration (`{ "receivers": [...] }`) against the environment. Throws
 * {@link RelayConfigError} naming the receiver when its type is unknown, its URL is missing or not http(s),
 * or a signing robot has no secret.
 */
export function resolveReceivers(config: unknown, env: NodeJS.ProcessEnv = process.env): Receiver[] {
  const list = (config as { receivers?: unknown } | null)?.receivers;
  if (!Array.isArray(list))
    throw new RelayConfigError('(all)', 'the configuration needs a "receivers" array');
  const seen = new Set<string>();
  return list.map((raw, i) => {
    const r = raw as Partial<ReceiverConfig>;
    const name = typeof r.name === 'string' && r.name ? r.name : `#${i}`;
    if (seen.has(name)) throw new RelayConfigError(name, 'defined twice');
    seen.add(name);
    if (!TYPES.includes(r.type as ReceiverType)) {
      throw new RelayConfigError(name, `type must be one of ${TYPES.join(', ')}`);
    }
    const type = r.type as ReceiverType;
    if (type === 'inbox') return { name, type, routes: r.routes };
    const url = r.urlEnv ? env[r.urlEnv] : r.url;
    if (!url) {
      throw new RelayConfigError(
        name,
        r.urlEnv ? `its URL is missing: set ${r.urlEnv}` : 'it needs a url or urlEnv',
      );
    }
    if (!/^https?:\/\//.test(url)) throw new RelayConfigError(name, 'its URL must be http or https');
    let secret: string | undefined;
    if (type === 'dingtalk' || type === 'feishu') {
      if (!r.secretEnv)
        throw new RelayConfigError(name, `a ${type} robot needs secretEnv (its signing secret)`);
      secret = env[r.secretEnv];
      if (!secret) throw new RelayConfigError(name, `its signing secret is missing: set ${r.secretEnv}`);
    }
    return { name, type, url, secret, routes: r.routes };
  });
}
