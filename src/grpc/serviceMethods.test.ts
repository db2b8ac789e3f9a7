import { describe, expect, it } from 'vitest';
import { ItemServiceService, protoMetadata as itemProto } from '../generated/proto/masterdata/v1/item_service.ts';
import { StoreServiceService, protoMetadata as storeProto } from '../generated/proto/masterdata/v1/store_service.ts';
import { methodPolicies } from '@pos-masterdata/grpc-chain';

describe('methodPolicies', () => {
  it("reads access and retry safety from each method's idempotency_level, and names from the descriptor", () => {
    expect(methodPolicies(ItemServiceService, itemProto.fileDescriptor)).toEqual({
      getItemDetail: { name: 'GetItemDetail', path: '/masterdata.v1.ItemService/GetItemDetail', access: 'read', idempotent: false },
      batchGetItemDetails: {
        name: 'BatchGetItemDetails',
        path: '/masterdata.v1.ItemService/BatchGetItemDetails',
        access: 'read',
        idempotent: false,
      },
      listItems: { name: 'ListItems', path: '/masterdata.v1.ItemService/ListItems', access: 'read', idempotent: false },
      upsertItem: { name: 'UpsertItem', path: '/masterdata.v1.ItemService/UpsertItem', access: 'write', idempotent: true },
    });
    expect(methodPolicies(StoreServiceService, storeProto.fileDescriptor).upsertStore).toMatchObject({ access: 'write', idempotent: true });
  });

  it('treats a method without idempotency_level as a write that is not safe to repeat', () => {
    const definition = { doIt: { ...ItemServiceService.upsertItem, path: '/masterdata.v1.ItemService/DoIt' } };
    const file = { package: 'masterdata.v1', service: [{ name: 'ItemService', method: [{ name: 'DoIt', options: undefined }] }] };
    expect(methodPolicies(definition, file).doIt).toMatchObject({ access: 'write', idempotent: false });
  });

  it('refuses a definition and a descriptor from different generations of the code', () => {
    expect(() => methodPolicies(ItemServiceService, storeProto.fileDescriptor)).toThrow(
      /GetItemDetail is not in the file descriptor of masterdata.v1: regenerate/,
    );
  });
});
