import * as grpc from '@grpc/grpc-js';

/** A JSON-encoded gRPC service with one method of each call type, for interceptor tests. */
export const ECHO_SERVICE = 'opsight.test.v1.Echo';

const json = {
  serialize: (value: unknown): Buffer => Buffer.from(JSON.stringify(value)),
  deserialize: (buffer: Buffer): unknown => JSON.parse(buffer.toString()),
};

function method(name: string, requestStream: boolean, responseStream: boolean) {
  return {
    path: `/${ECHO_SERVICE}/${name}`,
    requestStream,
    responseStream,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
    originalName: name,
  };
}

export const echoDefinition: grpc.ServiceDefinition = {
  Unary: method('Unary', false, false),
  ServerStream: method('ServerStream', false, true),
  ClientStream: method('ClientStream', true, false),
  Bidi: method('Bidi', true, true),
};

export type EchoClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;
export const EchoClientConstructor = grpc.makeGenericClientConstructor(
  echoDefinition,
  'Echo',
) as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
) => EchoClient;

/** Starts a gRPC server on 127.0.0.1 with an ephemeral port. */
export async function startGrpcServer(
  implementation: grpc.UntypedServiceImplementation,
  interceptors: grpc.ServerInterceptor[],
): Promise<{ server: grpc.Server; address: string }> {
  const server = new grpc.Server({ interceptors });
  server.addService(echoDefinition, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  );
  return { server, address: `127.0.0.1:${port}` };
}

export function unary(client: EchoClient, request: unknown): Promise<unknown> {
  return new Promise((resolve, reject) =>
    client.Unary!(request, (error: Error | null, response: unknown) =>
      error ? reject(error) : resolve(response),
    ),
  );
}
