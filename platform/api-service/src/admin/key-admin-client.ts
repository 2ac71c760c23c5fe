import {
  type AdminErrorJson,
  type ApiKeyJson,
  type CreateKeyBody,
  type IssuedKeyJson,
  KEY_ADMIN_PATHS,
  type KeyListJson,
  type RevokedKeyJson,
} from './key-admin-contract.js';

/** Options of {@link KeyAdminClient}. */
export interface KeyAdminClientOptions {
  /** The service's base URL (`http://127.0.0.1:8081`). */
  baseUrl: string;
  /** The admin key. */
  adminKey: string;
  /** A call not answered within this long fails. @default 10000 */
  timeoutMs?: number;
}

/** The admin API answered with an error: its HTTP status, catalogue code and offending field. */
export class KeyAdminError extends Error {
  override readonly name = 'KeyAdminError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly param: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** The service could not be reached (connection refused, timed out). */
export class KeyAdminUnreachableError extends Error {
  override readonly name = 'KeyAdminUnreachableError';
}

/** A typed client of the key admin API (`/admin/v1/keys`) of a running api-service. */
export class KeyAdminClient {
  readonly #baseUrl: string;
  readonly #adminKey: string;
  readonly #timeoutMs: number;

  constructor(options: KeyAdminClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#adminKey = options.adminKey;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Creates a key; the answer holds its secret, shown this once. */
  create(body: CreateKeyBody): Promise<IssuedKeyJson> {
    return this.#call('POST', KEY_ADMIN_PATHS.keys, body);
  }

  /** Every key, newest first; one user's when `userId` is given. */
  async list(userId?: string): Promise<ApiKeyJson[]> {
    const query = userId === undefined ? '' : `?user_id=${encodeURIComponent(userId)}`;
    return (await this.#call<KeyListJson>('GET', `${KEY_ADMIN_PATHS.keys}${query}`)).data;
  }

  /** Revokes a key by id or display prefix. */
  async revoke(key: string): Promise<ApiKeyJson> {
    return (await this.#call<RevokedKeyJson>('POST', KEY_ADMIN_PATHS.revoke(key))).api_key;
  }

  /** Gives a key a new secret (returned, shown this once); the old one stops authenticating. */
  rotate(key: string): Promise<IssuedKeyJson> {
    return this.#call('POST', KEY_ADMIN_PATHS.rotate(key));
  }

  async #call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#adminKey}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.#baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new KeyAdminUnreachableError(`cannot reach api-service at ${this.#baseUrl}`, { cause: error });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = (json as Partial<AdminErrorJson> | undefined)?.error;
      throw new KeyAdminError(
        response.status,
        error?.code ?? `HTTP_${response.status}`,
        error?.param ?? null,
        error?.message ?? `api-service answered ${response.status}`,
      );
    }
    return json as T;
  }
}
