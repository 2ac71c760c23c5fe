import {
  type CallOptions,
  type Client,
  type ClientReadableStream,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { type GenerateRequestProto, REQUEST_CONTEXT_METADATA } from '@opsight/contracts/chat';
import { protoFile, ROUTER_ERROR_METADATA } from '@opsight/contracts/proto';
import { grpcClientInterceptor } from '@opsight/telemetry';
import { ApiError, type ApiErrorCode } from '../error-catalogue.js';

/** The router's proto file, from @opsight/contracts. */
export const MODEL_ROUTER_PROTO = protoFile('model_router.proto');

/** proto-loader options shared by the client and test servers: field names as in the .proto. */
export const PROTO_LOADER_OPTIONS = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;

/**
 * `opsight.router.v1.GenerateRequest`: a checked chat request mapped by `chatRequestToProto` of
 * @opsight/contracts/chat. Request context is not in it: see {@link RequestContext}.
 */
export type GenerateRequest = GenerateRequestProto;

/** What the router is told about the request beside it, in metadata. */
export interface RequestContext {
  /** The authenticated user, for the router's log lines (`x-opsight-user-id`). */
  userId: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface GenerateResponse {
  id: string;
  model: string;
  content: string;
  finish_reason: string;
  usage: Usage | null;
  backend: string;
  time_to_first_token_seconds: number;
}

export interface GenerateChunk {
  id: string;
  model: string;
  delta: string;
  finish_reason: string;
  usage: Usage | null;
  backend: string;
}

export interface ModelInfo {
  id: string;
  owned_by: string;
  created: number;
  available: boolean;
}

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: CallOptions,
  callback: (error: ServiceError | null, response?: Res) => void,
) => unknown;

interface ModelRouterStub extends Client {
  Generate: Unary<GenerateRequest, GenerateResponse>;
  GenerateStream(
    request: GenerateRequest,
    metadata: Metadata,
    options: CallOptions,
  ): ClientReadableStream<GenerateChunk>;
  ListModels: Unary<Record<string, never>, { models: ModelInfo[] }>;
}

/** Loads the router's service definition from the .proto file. */
export function loadModelRouterService(protoPath = MODEL_ROUTER_PROTO) {
  const definition = loadSync(protoPath, PROTO_LOADER_OPTIONS);
  // biome-ignore lint/suspicious/noExplicitAny: the package object is shaped by the .proto file
  const pkg = loadPackageDefinition(definition) as any;
  return pkg.opsight.router.v1.ModelRouter as {
    new (
      address: string,
      creds: ReturnType<typeof credentials.createInsecure>,
      options?: object,
    ): ModelRouterStub;
    service: import('@grpc/grpc-js').ServiceDefinition;
  };
}

/**
 * The model router's client: trace context and X-Request-ID in metadata (the telemetry interceptor), the
 * user id in metadata beside them, a deadline on every call, gRPC failures turned into catalogue errors.
 */
export class ModelRouterClient {
  readonly #stub: ModelRouterStub;
  readonly #timeoutMs: number;

  constructor(address: string, options: { timeoutMs: number; protoPath?: string }) {
    const Stub = loadModelRouterService(options.protoPath);
    this.#stub = new Stub(address, credentials.createInsecure(), {
      interceptors: [grpcClientInterceptor()],
      // channelz (per-call introspection) costs every call and nothing here reads it.
      'grpc.enable_channelz': 0,
    });
    this.#timeoutMs = options.timeoutMs;
  }

  #options(): CallOptions {
    return { deadline: Date.now() + this.#timeoutMs };
  }

  generate(request: GenerateRequest, context?: RequestContext): Promise<GenerateResponse> {
    return new Promise((resolve, reject) => {
      this.#stub.Generate(request, metadataOf(context), this.#options(), (error, response) => {
        if (error) reject(apiErrorFromGrpc(error));
        else resolve(response!);
      });
    });
  }

  /** A streamed completion; `cancel()` on the stream stops the generation upstream. */
  generateStream(request: GenerateRequest, context?: RequestContext): ClientReadableStream<GenerateChunk> {
    return this.#stub.GenerateStream(request, metadataOf(context), this.#options());
  }

  listModels(): Promise<ModelInfo[]> {
    return new Promise((resolve, reject) => {
      this.#stub.ListModels({}, new Metadata(), this.#options(), (error, response) => {
        if (error) reject(apiErrorFromGrpc(error));
        else resolve(response?.models ?? []);
      });
    });
  }

  close(): void {
    this.#stub.close();
  }
}

/** The call's metadata: the request context (trace context and X-Request-ID are the interceptor's). */
function metadataOf(context: RequestContext | undefined): Metadata {
  const metadata = new Metadata();
  if (context?.userId) metadata.set(REQUEST_CONTEXT_METADATA.userId, context.userId);
  return metadata;
}

const BY_TRAILER: Record<string, ApiErrorCode> = {
  INVALID_REQUEST: 'INVALID_REQUEST',
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  CLIENT_CANCELLED: 'CLIENT_CANCELLED',
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
};

/** The fixed message of each server-side failure the router reports. */
const SERVER_SIDE_MESSAGES: Partial<Record<ApiErrorCode, string>> = {
  ROUTER_UNAVAILABLE: 'the model router is unavailable',
  UPSTREAM_TIMEOUT: 'the model did not answer within the deadline',
  UPSTREAM_ERROR: 'the model backend failed',
  BACKEND_UNAVAILABLE: 'no backend of the model is available',
  INTERNAL_ERROR: 'internal error',
};

/**
 * A router failure as a catalogue error: the `opsight-error-code` trailer when it names a known code,
 * else the gRPC status; `opsight-error-param` names the field of an INVALID_REQUEST (UNAVAILABLE without a trailer means the router itself could not be reached).
 */
export function apiErrorFromGrpc(error: ServiceError): ApiError {
  const trailer = error.metadata?.get(ROUTER_ERROR_METADATA.code)[0];
  const fromTrailer = typeof trailer === 'string' ? BY_TRAILER[trailer] : undefined;
  const code: ApiErrorCode =
    fromTrailer ??
    (
      {
        [status.INVALID_ARGUMENT]: 'INVALID_REQUEST',
        [status.NOT_FOUND]: 'MODEL_NOT_FOUND',
        [status.UNAVAILABLE]: 'ROUTER_UNAVAILABLE',
        [status.DEADLINE_EXCEEDED]: 'UPSTREAM_TIMEOUT',
        [status.CANCELLED]: 'CLIENT_CANCELLED',
      } as Partial<Record<number, ApiErrorCode>>
    )[error.code] ??
    'UPSTREAM_ERROR';
  // A server-side failure says only what failed, in fixed words: the router's details (backend addresses,
  // upstream answers) stay in the router's log, found by the trace id. Client errors keep the router's
  // message, which names what the caller got wrong.
  const message = SERVER_SIDE_MESSAGES[code] ?? (error.details || code);
  // A request the router refused names its field, as the edge's own checks do.
  const param = code === 'INVALID_REQUEST' ? error.metadata?.get(ROUTER_ERROR_METADATA.param)[0] : undefined;
  return new ApiError(code, message, typeof param === 'string' && param !== '' ? param : undefined);
}
