// The same team's code compiled as NestJS compiles by default: `module: commonjs`, TypeScript's
// node10 resolution, `require()` of the packages (Node >= 22.12 loads ES modules through it).
// Writes through Database, a write whose deadline is too near to commit, a cancelled write; prints JSON.
import { ChannelPool } from '@pos-masterdata/channel-pool';
import { CallChain, callDeadline, callScope } from '@pos-masterdata/grpc-chain';
import { classifyDbError, Database, DbFailure } from '@pos-masterdata/resilient-prisma';
import { PrismaClient } from './generated/prisma/client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const db = new Database({
    endpoint: url,
    createClient: (adapter) => new PrismaClient({ adapter }),
    applicationName: 'orders-cjs',
    max: 2,
  });
  const budget = (ms: number, signal = new AbortController().signal) => ({ deadline: performance.now() + ms, signal });
  const id = `cjs-${process.version}-${Date.now()}`;
  const order = (key: string) => db.scope.db().order.create({ data: { id: key, requestId: key, customer: 'cjs' } });

  await db.run('write', budget(5_000), () => order(id));
  const found = await db.run('read', budget(5_000), () => db.scope.db().order.findUnique({ where: { id } }));

  // The work ends with less of the deadline left than a COMMIT needs: rolled back, nothing written.
  const late = await db
    .run('write', budget(300), async () => {
      await order(`${id}-late`);
      await sleep(295);
    })
    .catch((e: unknown) => e);
  // The caller goes away while the work runs: rolled back, and the caller's reason is the answer.
  const controller = new AbortController();
  const cancelled = await db
    .run('write', budget(5_000, controller.signal), async () => {
      await order(`${id}-cancelled`);
      controller.abort(new Error('caller cancelled'));
    })
    .catch((e: unknown) => e);
  const left = await db.run('read', budget(5_000), () =>
    db.scope.db().order.count({ where: { id: { in: [`${id}-late`, `${id}-cancelled`] } } }),
  );

  const pool = new ChannelPool({ defaultDeadlineMs: 1_000 });
  pool.channel('127.0.0.1:1');
  const chain = CallChain.create({ defaultDeadlineMs: 1_000, onInternalError: () => undefined })
    .use(callDeadline)
    .use(callScope(db));
  console.log(
    JSON.stringify({
      node: process.version,
      found: found?.id === id,
      late: late instanceof DbFailure && late.commitWithheld,
      cancelled: cancelled instanceof Error && cancelled.message === 'caller cancelled',
      left,
      kind: classifyDbError({ code: '57P01' }).kind,
      channels: pool.targets().length,
      chain: typeof chain.unary,
    }),
  );
  pool.close();
  await db.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
