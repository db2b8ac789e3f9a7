import { ItemServiceService, protoMetadata as itemProto } from '../generated/proto/masterdata/v1/item_service.ts';
import { StoreServiceService, protoMetadata as storeProto } from '../generated/proto/masterdata/v1/store_service.ts';
import { methodPolicies, type MethodPolicy } from '@pos-masterdata/grpc-chain';

/** Every method of the item service with its policy, from the generated descriptor. */
export const ITEM_METHODS = methodPolicies(ItemServiceService, itemProto.fileDescriptor);

/** Every method of the store service with its policy, from the generated descriptor. */
export const STORE_METHODS = methodPolicies(StoreServiceService, storeProto.fileDescriptor);

/** Every method of the server by its path (`/masterdata.v1.ItemService/GetItemDetail`). */
export const METHODS_BY_PATH: ReadonlyMap<string, MethodPolicy> = new Map(
  [...Object.values(ITEM_METHODS), ...Object.values(STORE_METHODS)].map((method) => [method.path, method]),
);
