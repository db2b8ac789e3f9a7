import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { credentials, loadPackageDefinition, type ClientDuplexStream, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

// grpc.reflection.v1 as a stock tool (grpcurl, grpc_cli) speaks it: one stream, one answer a request.
const REFLECTION_PROTO = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection/package.json')),
  'build/proto/grpc/reflection/v1/reflection.proto',
);

export type ReflectionRequest = { list_services: string } | { file_by_filename: string } | { file_containing_symbol: string };

export interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

/** Asks the server's reflection service, as grpcurl does, and returns its answers in order. */
export async function reflect(address: string, requests: readonly ReflectionRequest[]): Promise<ReflectionResponse[]> {
  const loaded = loadPackageDefinition(loadSync(REFLECTION_PROTO, { keepCase: true })) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } };
  };
  const client = new loaded.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
  const stream = (client as unknown as { ServerReflectionInfo(): ClientDuplexStream<object, ReflectionResponse> }).ServerReflectionInfo();
  const answers: ReflectionResponse[] = [];
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (answer: ReflectionResponse) => answers.push(answer));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  for (const request of requests) stream.write(request);
  stream.end();
  await done;
  client.close();
  return answers;
}
