import { StoreServiceClient } from '../generated/proto/masterdata/v1/store_service.ts';
import type { ChannelPool, Transport } from '@pos-masterdata/channel-pool';

/** A typed store-service client on the pool's shared channel (the item service's, when the target is the same). */
export function storeServiceClient(pool: ChannelPool, target: string, transport: Transport = 'insecure'): StoreServiceClient {
  const creds = pool.credentials(transport);
  return new StoreServiceClient(target, creds, { channelOverride: pool.channel(target, creds), interceptors: [pool.interceptor(target)] });
}
