import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import type { ItemServiceApi } from '../clients/ItemServiceApi.ts';
import { CartRepository, type QuoteLine } from './CartRepository.ts';

export interface CartServerOptions {
  /** Gives each request its item-service client; with the ChannelPool all of them share one channel. */
  readonly itemClient: () => ItemServiceApi;
  readonly itemTimeoutMs: number;
  /** Extra read-only endpoint: GET /debug/channels. */
  readonly channelStats?: () => unknown;
  readonly onClose?: () => void;
}

export interface CartServer {
  readonly port: number;
  close(): Promise<void>;
}

const HTTP_OF: Partial<Record<Status, number>> = {
  [Status.NOT_FOUND]: 404,
  [Status.INVALID_ARGUMENT]: 400,
  [Status.UNAVAILABLE]: 503,
  [Status.DEADLINE_EXCEEDED]: 504,
};

/** A small cart service, shaped like the one in the incident: repositories are built per request. */
export async function createCartServer(options: CartServerOptions, port = 0): Promise<CartServer> {
  const server = createServer((req, res) => {
    // Per-request "dependency injection": a fresh repository and client for every request.
    const repository = new CartRepository(options.itemClient(), options.itemTimeoutMs);
    handle(req, res, repository, options).catch((error: unknown) => fail(res, error));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          options.onClose?.();
          resolve();
        });
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, repo: CartRepository, options: CartServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://cart');
  const item = /^\/v1\/items\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'GET' && item) {
    const [, tenant = '', store = '', code = ''] = item.map(decodeURIComponent);
    send(res, 200, await repo.item(tenant, store, code));
  } else if (req.method === 'POST' && url.pathname === '/v1/carts/quote') {
    const body = JSON.parse(await readBody(req)) as { tenantId?: string; storeCode?: string; lines?: QuoteLine[] };
    if (!Array.isArray(body.lines) || body.lines.some((l) => !Number.isInteger(l.quantity) || l.quantity < 1)) {
      send(res, 400, { error: 'lines must be a list of {itemCode, quantity} with a whole quantity of at least 1' });
      return;
    }
    send(res, 200, await repo.quote(body.tenantId ?? '', body.storeCode ?? '', body.lines));
  } else if (req.method === 'GET' && url.pathname === '/debug/channels' && options.channelStats) {
    send(res, 200, options.channelStats());
  } else if (req.method === 'GET' && url.pathname === '/healthz') {
    send(res, 200, { ok: true });
  } else {
    send(res, 404, { error: `no route for ${req.method ?? ''} ${url.pathname}` });
  }
}

function fail(res: ServerResponse, error: unknown): void {
  const grpc = error as Partial<ServiceError>;
  if (typeof grpc.code === 'number') {
    const http = HTTP_OF[grpc.code] ?? 502;
    const message = http >= 500 ? 'the item service is unavailable; try again shortly' : (grpc.details ?? 'request failed');
    send(res, http, { error: message, itemServiceStatus: Status[grpc.code] });
    return;
  }
  send(res, error instanceof SyntaxError ? 400 : 500, {
    error: error instanceof SyntaxError ? 'the body is not valid JSON' : 'internal error',
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify(body, (_k, v: unknown) => (v instanceof Date ? v.toISOString() : v)));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new SyntaxError('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
