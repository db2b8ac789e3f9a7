import { Metadata, type CallOptions, type ServiceError } from '@grpc/grpc-js';
import type {
  BatchGetItemDetailsRequest, BatchGetItemDetailsResponse, GetItemDetailRequest, ItemDetail, ItemServiceClient,
  ListItemsRequest, ListItemsResponse, UpsertItemRequest, UpsertItemResponse,
} from '../generated/proto/masterdata/v1/item_service.ts';

type Unary<Req, Res> = (req: Req, metadata: Metadata, options: Partial<CallOptions>, cb: (err: ServiceError | null, res: Res) => void) => unknown;

export interface CallSettings {
  /** Milliseconds from now; the pool's default applies when absent. */
  readonly timeoutMs?: number;
}

/** The item service as promises, on top of the generated callback client. */
export class ItemServiceApi {
  readonly #client: ItemServiceClient;

  constructor(client: ItemServiceClient) {
    this.#client = client;
  }

  getItemDetail(req: GetItemDetailRequest, s?: CallSettings): Promise<ItemDetail> {
    return this.#call(this.#client.getItemDetail.bind(this.#client), req, s);
  }

  batchGetItemDetails(req: BatchGetItemDetailsRequest, s?: CallSettings): Promise<BatchGetItemDetailsResponse> {
    return this.#call(this.#client.batchGetItemDetails.bind(this.#client), req, s);
  }

  listItems(req: ListItemsRequest, s?: CallSettings): Promise<ListItemsResponse> {
    return this.#call(this.#client.listItems.bind(this.#client), req, s);
  }

  upsertItem(req: UpsertItemRequest, s?: CallSettings): Promise<UpsertItemResponse> {
    return this.#call(this.#client.upsertItem.bind(this.#client), req, s);
  }

  #call<Req, Res>(fn: Unary<Req, Res>, req: Req, s: CallSettings | undefined): Promise<Res> {
    const options: Partial<CallOptions> = s?.timeoutMs === undefined ? {} : { deadline: Date.now() + s.timeoutMs };
    return new Promise((resolve, reject) => {
      fn(req, new Metadata(), options, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }
}
