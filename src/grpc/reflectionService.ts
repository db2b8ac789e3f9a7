import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

/**
 * proto/ as protoc (buf) compiled it, with its imports (google/protobuf/timestamp.proto) and
 * comments: written by `npm run proto:gen`, committed beside the generated code.
 */
export const DESCRIPTORS = fileURLToPath(new URL('../generated/proto/descriptors.binpb', import.meta.url));
/** grpc-health-check's health.proto, compiled the same way (it ships the .proto only). */
export const HEALTH_DESCRIPTORS = fileURLToPath(new URL('../generated/proto/health.binpb', import.meta.url));

/**
 * Server reflection for the item, store and health services, so grpcurl and friends need no
 * .proto file. It serves the real file descriptors: their own file names
 * (`masterdata/v1/item_service.proto`), the files they import, snake_case field names with their
 * json_name. proto-loader's would not do: it re-derives a synthetic file per package from
 * protobufjs, without its imports and with camelCase names (grpc-node issue 2958), which strict
 * descriptor pools (grpcurl's, protobuf's) refuse.
 */
export function reflectionService(): ReflectionService {
  const files = [DESCRIPTORS, HEALTH_DESCRIPTORS].flatMap((path) =>
    fromBinary(FileDescriptorSetSchema, readFileSync(path)).file.map((file) => {
      // grpc-health-check keeps health.proto as proto/health/v1/; its canonical name (grpc_health_probe's, grpcurl's) is this one.
      if (file.package === 'grpc.health.v1') file.name = 'grpc/health/v1/health.proto';
      return Buffer.from(toBinary(FileDescriptorProtoSchema, file));
    }),
  );
  // @grpc/reflection reads only `fileDescriptorProtos` of each entry.
  return new ReflectionService({ files: { fileDescriptorProtos: files } } as unknown as PackageDefinition);
}
