import { ItemServiceClient } from '../generated/proto/masterdata/v1/item_service.ts';
import type { ChannelPool, Transport } from '@pos-masterdata/channel-pool';

/**
 * A typed item-service client on the pool's shared channel. Cheap: make one per request if
 * your framework wants to; the channel (and its connection) is the pool's.
 */
export function itemServiceClient(pool: ChannelPool, target: string, transport: Transport = 'insecure'): ItemServiceClient {
  const creds = pool.credentials(transport);
  return new ItemServiceClient(target, creds, { channelOverride: pool.channel(target, creds), interceptors: [pool.interceptor(target)] });
}
