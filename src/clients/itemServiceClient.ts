import { credentials as grpcCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { ItemServiceClient } from '../generated/proto/masterdata/v1/item_service.ts';
import type { ChannelPool } from './ChannelPool.ts';

/**
 * A typed item-service client on the pool's shared channel. Cheap: make one per request if
 * your framework wants to; the channel (and its connection) is the pool's.
 */
export function itemServiceClient(pool: ChannelPool, target: string, creds: ChannelCredentials = grpcCredentials.createInsecure()): ItemServiceClient {
  const channel = pool.channel(target, creds);
  return new ItemServiceClient(target, creds, { channelOverride: channel, interceptors: [pool.interceptor(target)] });
}
