import { StoreServiceService, type StoreServiceClient } from '../generated/proto/masterdata/v1/store_service.ts';
import { promiseClient, type PromiseClient } from './promiseClient.ts';

/** The store service as promises: every method of the generated client, none written by hand. */
export type StoreServiceApi = PromiseClient<StoreServiceClient>;

export function storeServiceApi(client: StoreServiceClient): StoreServiceApi {
  return promiseClient(client, StoreServiceService);
}
