// Loads proto/push.proto (Loki's logproto.PushRequest) once.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const protoPath = fileURLToPath(new URL('../../../../proto/push.proto', import.meta.url));
let root: protobuf.Root | undefined;

export function pushRequestType(): protobuf.Type {
  root ??= protobuf.loadSync(protoPath);
  return root.lookupType('logproto.PushRequest');
}
