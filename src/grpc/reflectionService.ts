import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as healthProtoPath } from 'grpc-health-check';

export const PROTO_DIR = fileURLToPath(new URL('../../proto', import.meta.url));
export const ITEM_PROTO = 'masterdata/v1/item_service.proto';
export const STORE_PROTO = 'masterdata/v1/store_service.proto';

/** Server reflection for the item, store and health services, so grpcurl and friends need no .proto file. */
export function reflectionService(): ReflectionService {
  const definition = loadSync([ITEM_PROTO, STORE_PROTO, healthProtoPath], { includeDirs: [PROTO_DIR] });
  return new ReflectionService(definition);
}
