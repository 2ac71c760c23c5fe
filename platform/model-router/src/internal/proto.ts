import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoFile } from '@opsight/contracts/proto';

/** The router's proto file, from @opsight/contracts. */
export const MODEL_ROUTER_PROTO = protoFile('model_router.proto');

/** Fully qualified service name. */
export const MODEL_ROUTER_SERVICE = 'opsight.router.v1.ModelRouter';

/**
 * Loading options: field names as in the proto, absent fields undefined (so `optional` fields keep their
 * presence), int64 as numbers.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
};

/** The ModelRouter service definition and a client constructor, loaded from the proto file. */
export function loadModelRouterProto(path: string = MODEL_ROUTER_PROTO): {
  service: grpc.ServiceDefinition;
  Client: grpc.ServiceClientConstructor;
} {
  const definition = protoLoader.loadSync(path, PROTO_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    opsight: { router: { v1: { ModelRouter: grpc.ServiceClientConstructor } } };
  };
  const Client = pkg.opsight.router.v1.ModelRouter;
  return { service: Client.service, Client };
}
