import { Client, credentials, type ChannelCredentials, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

/** grpc.health.v1.Health/Check of `service` ('' for the server), on a channel of its own. */
export function healthCheck(address: string, service: string, creds: ChannelCredentials = credentials.createInsecure()): Promise<string> {
  const client = new Client(address, creds);
  const check = healthService.Check as MethodDefinition<{ service: string }, { status: string }>;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      check.path,
      check.requestSerialize,
      check.responseDeserialize,
      { service },
      (err: ServiceError | null, res?: { status: string }) => {
        client.close();
        if (err) reject(err);
        else resolve(res?.status ?? '');
      },
    );
  });
}
