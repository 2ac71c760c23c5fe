// OTLP/gRPC receiver: opentelemetry.proto.collector.trace.v1.TraceService/Export. Requests are kept as bytes
// and decoded by the shared ingester; invalid requests end with INVALID_ARGUMENT and the reason, partially
// invalid ones succeed with partial_success. gzip message compression is handled by grpc-js.
import * as grpc from '@grpc/grpc-js';
import { type ErrorLog, errorFields, stderrErrorLog } from '@opsight/http-guard';
import { TraceStoreError } from '../error-codes.js';
import { otlpTypes, traceExportPath } from './otlp-schema.js';
import type { ExportOutcome, TraceIngester } from './trace-ingester.js';

export interface OtlpGrpcOptions {
  /**
   * The ingester of the tenant a call acts as, from its `authorization` and `x-scope-orgid` metadata;
   * throws TraceStoreError (UNAUTHENTICATED, PERMISSION_DENIED) when refused.
   */
  ingesterOf: (authorization: string | undefined, orgId: string | undefined) => TraceIngester;
  /** Largest request message accepted, in bytes. */
  maxRequestBytes: number;
  /** Where an unexpected failure's error goes (its status says only INTERNAL_ERROR). @default stderrErrorLog */
  logError?: ErrorLog;
}

const traceService: grpc.ServiceDefinition = {
  Export: {
    path: traceExportPath,
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: ExportOutcome) => {
      const partial =
        value.rejected > 0
          ? { partialSuccess: { rejectedSpans: value.rejected, errorMessage: value.errorMessage } }
          : {};
      return Buffer.from(otlpTypes.response.encode(partial).finish());
    },
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};

export function createOtlpGrpcServer(options: OtlpGrpcOptions): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxRequestBytes,
  });
  const logError = options.logError ?? stderrErrorLog('tracestore');
  const fail = (callback: grpc.sendUnaryData<ExportOutcome>, error: unknown): void => {
    if (error instanceof TraceStoreError) {
      callback({ code: error.grpcCode, details: `${error.code}: ${error.message}` });
      return;
    }
    // A bug: the status says only the code; the error is in the log line.
    logError({
      message: 'request failed',
      code: 'INTERNAL_ERROR',
      method: traceExportPath,
      ...errorFields(error),
    });
    const e = new TraceStoreError('INTERNAL_ERROR', 'internal error');
    callback({ code: e.grpcCode, details: `${e.code}: ${e.message}` });
  };
  const handler: grpc.handleUnaryCall<Buffer, ExportOutcome> = (call, callback) => {
    const text = (name: string) => {
      const value = call.metadata.get(name)[0];
      return typeof value === 'string' ? value : undefined;
    };
    let ingester: TraceIngester;
    try {
      ingester = options.ingesterOf(text('authorization'), text('x-scope-orgid'));
    } catch (error) {
      fail(callback, error);
      return;
    }
    ingester.export(call.request, 'protobuf', 'grpc').then(
      (outcome) => callback(null, outcome),
      (error: unknown) => fail(callback, error),
    );
  };
  server.addService(traceService, { Export: handler });
  return server;
}

/** Binds the server and resolves with the bound port. */
export function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
}
