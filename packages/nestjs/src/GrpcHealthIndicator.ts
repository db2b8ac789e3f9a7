import { makeClientConstructor, type ServiceError } from '@grpc/grpc-js';
import type { ChannelPool, Transport } from '@pos-masterdata/channel-pool';
import { service as healthService } from 'grpc-health-check';
import type { HealthIndicatorResult } from './DatabaseHealthIndicator.ts';

/** The standard health service's client (grpc.health.v1.Health), made once per process. */
const HealthClient = makeClientConstructor(healthService, 'grpc.health.v1.Health');
type HealthClientLike = {
  check(
    request: { service: string },
    options: { deadline: number },
    callback: (error: ServiceError | null, response?: { status?: string }) => void,
  ): unknown;
};

export interface GrpcHealthCheckOptions {
  /** `host:port` of the dependency. */
  readonly target: string;
  /** The health name to ask for (default '', the whole server). */
  readonly service?: string;
  readonly timeoutMs?: number;
  readonly transport?: Transport;
}

/**
 * A gRPC dependency's health for @nestjs/terminus, asked over the pool's channel for that target
 * (`grpc.health.v1.Health/Check`): no channel per check, unlike a health indicator that builds a
 * client each time (nestjs/terminus#2329), so a probe every second leaves one connection.
 */
export class GrpcHealthIndicator {
  readonly #pool: ChannelPool;

  constructor(pool: ChannelPool) {
    this.#pool = pool;
  }

  async check<K extends string>(key: K, options: GrpcHealthCheckOptions): Promise<HealthIndicatorResult<K>> {
    const client = this.#pool.client(HealthClient, options.target, options.transport ?? 'insecure') as unknown as HealthClientLike;
    const status = await new Promise<string>((resolve) =>
      client.check({ service: options.service ?? '' }, { deadline: Date.now() + (options.timeoutMs ?? 1_000) }, (error, response) =>
        resolve(error ? `unreachable: ${error.details || error.message}` : (response?.status ?? 'UNKNOWN')),
      ),
    );
    const result = status === 'SERVING' ? { status: 'up' as const } : { status: 'down' as const, message: status };
    return { [key]: result } as HealthIndicatorResult<K>;
  }
}
