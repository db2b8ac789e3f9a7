import { ItemServiceService, type ItemServiceClient } from '../generated/proto/masterdata/v1/item_service.ts';
import { promiseClient, type PromiseClient } from './promiseClient.ts';

export type { CallSettings } from './promiseClient.ts';

/** The item service as promises: every method of the generated client, none written by hand. */
export type ItemServiceApi = PromiseClient<ItemServiceClient>;

export function itemServiceApi(client: ItemServiceClient): ItemServiceApi {
  return promiseClient(client, ItemServiceService);
}
