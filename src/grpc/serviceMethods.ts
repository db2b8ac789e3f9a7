import { ItemServiceService, protoMetadata as itemProto } from '../generated/proto/masterdata/v1/item_service.ts';
import { StoreServiceService, protoMetadata as storeProto } from '../generated/proto/masterdata/v1/store_service.ts';
import { methodPolicies } from './methodPolicies.ts';

/** Every method of the item service with its policy, from the generated descriptor. */
export const ITEM_METHODS = methodPolicies(ItemServiceService, itemProto.fileDescriptor);

/** Every method of the store service with its policy, from the generated descriptor. */
export const STORE_METHODS = methodPolicies(StoreServiceService, storeProto.fileDescriptor);
