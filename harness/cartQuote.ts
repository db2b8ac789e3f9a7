/** One line of a cart: an item code and how many. */
export interface CartLine {
  readonly itemCode: string;
  readonly quantity: number;
}

/** POST /v1/carts/quote to the example cart service (src/cart) listening on `port`, for the demo store. */
export function postCartQuote(port: number, lines: readonly CartLine[]): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/carts/quote`, {
    method: 'POST',
    body: JSON.stringify({ tenantId: 'demo', storeCode: 'S001', lines }),
  });
}
