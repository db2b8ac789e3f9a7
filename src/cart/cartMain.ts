// `npm run cart`: the example consumer, pricing carts through the item service over one pooled channel.
import { ChannelPool } from '@pos-masterdata/channel-pool';
import { itemServiceApi } from '../clients/ItemServiceApi.ts';
import { itemServiceClient } from '../clients/itemServiceClient.ts';
import { loadClientConfig } from '../config/config.ts';
import { loadOrExit } from '../config/loadOrExit.ts';
import { createLogger } from '../log/createLogger.ts';
import { createCartServer } from './createCartServer.ts';

const { ITEM_SERVICE_ADDR: target, CART_PORT } = loadOrExit(loadClientConfig, process.env);
const log = createLogger('info');
const pool = new ChannelPool({
  defaultDeadlineMs: 2_000,
  onAlarm: (t, live) =>
    log.warn({ event: 'channel_alarm', target: t, live }, `${live} channels open to ${t}: something creates channels per request`),
});
const cart = await createCartServer(
  {
    itemClient: () => itemServiceApi(itemServiceClient(pool, target)),
    itemTimeoutMs: 1_000,
    channelStats: () => Object.fromEntries(pool.targets().map((t) => [t, pool.stats(t)])),
    onClose: () => pool.close(),
  },
  CART_PORT,
);
log.info(
  { event: 'listening', port: cart.port, itemService: target },
  `cart service on http://127.0.0.1:${cart.port} (try GET /v1/items/demo/S001/4011)`,
);
const stop = () => void cart.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
