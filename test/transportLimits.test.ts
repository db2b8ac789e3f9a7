import http2 from 'node:http2';
import { status as Status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GetItemDetailRequest } from '../src/generated/proto/masterdata/v1/item_service.ts';
import { startTestServer } from '../harness/startTestServer.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';

// What a caller can make the server hold, tried with a raw HTTP/2 client (no gRPC library to
// smooth anything over): undecodable bodies, oversized metadata, streams that never send.
let db: TestDatabase;
beforeAll(async () => {
  db = await TestDatabase.create();
});
afterAll(async () => {
  await db[Symbol.asyncDispose]();
});

const PATH = '/masterdata.v1.ItemService/GetItemDetail';

interface Answer {
  readonly status: number | undefined;
  readonly message: string | undefined;
  readonly ms: number;
}

/** Opens a gRPC stream; sends `body` as one length-prefixed message (or nothing, leaving it half-open). */
function rawCall(session: http2.ClientHttp2Session, body: Buffer | undefined, extraHeaders: Record<string, string> = {}): Promise<Answer> {
  const started = performance.now();
  const stream = session.request(
    { ':method': 'POST', ':path': PATH, 'content-type': 'application/grpc', te: 'trailers', ...extraHeaders },
    { endStream: false },
  );
  if (body) {
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    body.copy(frame, 5);
    stream.end(frame);
  }
  return new Promise((resolve) => {
    const settle = (headers: http2.IncomingHttpHeaders) => {
      const status = headers['grpc-status'];
      if (status === undefined) return;
      resolve({
        status: Number(status),
        message: decodeURIComponent(String(headers['grpc-message'] ?? '')),
        ms: performance.now() - started,
      });
    };
    stream.on('response', settle);
    stream.on('trailers', settle);
    stream.on('error', (e: Error) => resolve({ status: undefined, message: e.message, ms: performance.now() - started }));
    stream.resume();
  });
}

/** A raw HTTP/2 connection; the server closing it at shutdown is not a test failure. */
function connect(address: string): http2.ClientHttp2Session {
  // Sends whatever it is asked to, whatever the server advertises (a hostile or broken client).
  const session = http2.connect(`http://${address}`, { maxSendHeaderBlockLength: 2 ** 30 });
  session.on('error', () => undefined);
  return session;
}

describe('transport limits', () => {
  it('a body that does not decode gets INTERNAL (as grpc-java and grpc-go answer), and the server keeps serving', async () => {
    await using t = await startTestServer(db.url());
    const session = connect(t.address);
    try {
      const answer = await rawCall(session, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
      expect(answer.status).toBe(Status.INTERNAL);
      expect(answer.message).not.toMatch(/at .*\.ts:\d+/);
    } finally {
      session.close();
    }
    // Visible to an operator: a call-log line, an audit line (who, where, how much, no payload), a counter.
    await vi.waitFor(() => expect(t.logs.some((l) => l.msg === 'call' && l.code === 'INTERNAL' && l.method === PATH)).toBe(true));
    const audit = t.logs.find((l) => l.event === 'audit' && l.undecodable === true);
    expect(audit).toMatchObject({ method: PATH, outcome: 'INTERNAL', data: 'none', bytes: 5 });
    expect(String(audit?.caller)).toMatch(/127\.0\.0\.1:\d+/);
    expect(JSON.stringify(audit)).not.toMatch(/ffff|\\u00ff/i);
    const metrics = await (await fetch(`http://127.0.0.1:${String(t.server.metricsPort)}/metrics`)).text();
    expect(metrics).toMatch(/masterdata_grpc_limit_rejections_total\{reason="undecodable"\} 1/);
    await expect(t.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' })).resolves.toMatchObject({
      itemCode: '4011',
    });
  });

  it('metadata over the limit gets RESOURCE_EXHAUSTED naming the limit, and the call log records it', async () => {
    await using t = await startTestServer(db.url(), { GRPC_MAX_METADATA_BYTES: 2_048 });
    const session = connect(t.address);
    try {
      const answer = await rawCall(session, Buffer.alloc(0), { 'x-padding': 'p'.repeat(4_000) });
      expect(answer.status).toBe(Status.RESOURCE_EXHAUSTED);
      expect(answer.message).toMatch(/over this server's limit of 2048/);
      // Refused by the transport limits before any handler runs, the call is still in the call log.
      expect(t.logs.some((l) => l.msg === 'call' && l.code === 'RESOURCE_EXHAUSTED')).toBe(true);
    } finally {
      session.close();
    }
  });

  it('oversized or too many headers fail their own stream, never the 20 calls on the same connection', async () => {
    await using t = await startTestServer(db.url());
    const session = connect(t.address);
    try {
      const request = Buffer.from(GetItemDetailRequest.encode({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' }).finish());
      const calls = Array.from({ length: 20 }, () => rawCall(session, request));
      const many: Record<string, string> = {};
      for (let i = 0; i < 500; i++) many[`x-h${i}`] = 'v';
      const fifty = 'p'.repeat(50_000);
      const large = { 'x-a': fifty, 'x-b': fifty }; // 100 KB: over the service's limit, within HTTP/2's
      const larger = { 'x-a': fifty, 'x-b': fifty, 'x-c': fifty }; // 150 KB
      const refused = await Promise.all([
        rawCall(session, request, many),
        rawCall(session, request, large),
        rawCall(session, request, larger),
      ]);
      expect(refused[0]).toMatchObject({ status: Status.RESOURCE_EXHAUSTED });
      expect(refused[0]?.message).toMatch(/500 entries, over this server's limit of 64/);
      expect(refused[1]).toMatchObject({ status: Status.RESOURCE_EXHAUSTED });
      expect(refused[1]?.message).toMatch(/over this server's limit of 16384/);
      // Refused by the service, or (past Node's own list limit) reset by HTTP/2 itself, that stream
      // alone: clients read ENHANCE_YOUR_CALM as RESOURCE_EXHAUSTED.
      expect(refused[2]?.status === Status.RESOURCE_EXHAUSTED || /ENHANCE_YOUR_CALM/.test(refused[2]?.message ?? '')).toBe(true);
      // A 1 MB single header is a connection error in nghttp2 (HPACK's 64 KiB field cap): it ends
      // the sender's own connection, and nobody else's.
      const hostile = connect(t.address);
      const ended = new Promise<number>((resolve) => hostile.once('goaway', (code: number) => resolve(code)));
      void rawCall(hostile, request, { 'x-huge': 'p'.repeat(1_000_000) });
      expect(await ended).toBe(http2.constants.NGHTTP2_COMPRESSION_ERROR);
      hostile.destroy();
      const answers = await Promise.all(calls);
      expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => Status.OK));
      expect(session.destroyed).toBe(false);
    } finally {
      session.close();
    }
  });

  it('bounds calls in flight, advertises its stream limit, and ends streams whose request never arrives', async () => {
    await using t = await startTestServer(db.url(), {
      GRPC_MAX_CALLS_IN_FLIGHT: 5,
      GRPC_MAX_CONCURRENT_STREAMS: 50,
      GRPC_MESSAGE_TIMEOUT_MS: 500,
    });
    const session = connect(t.address);
    try {
      await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
      expect(session.remoteSettings.maxConcurrentStreams).toBe(50);
      const halfOpen = Array.from({ length: 12 }, () => rawCall(session, undefined));
      const answers = await Promise.all(halfOpen);
      const refused = answers.filter((a) => a.status === Status.RESOURCE_EXHAUSTED);
      const timedOut = answers.filter((a) => a.status === Status.DEADLINE_EXCEEDED);
      expect(refused.length).toBe(7);
      expect(Math.max(...refused.map((a) => a.ms))).toBeLessThan(300);
      expect(refused[0]?.message).toMatch(/limit of 5 calls in flight/);
      expect(timedOut.length).toBe(5);
      expect(Math.min(...timedOut.map((a) => a.ms))).toBeGreaterThanOrEqual(450);
    } finally {
      session.close();
    }
    // The held calls were released: a normal call goes through again.
    await expect(t.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' })).resolves.toMatchObject({
      itemCode: '4011',
    });
    const metrics = await (await fetch(`http://127.0.0.1:${String(t.server.metricsPort)}/metrics`)).text();
    expect(metrics).toMatch(/masterdata_grpc_limit_rejections_total\{reason="in-flight"\} 7/);
    expect(metrics).toMatch(/masterdata_grpc_limit_rejections_total\{reason="message-timeout"\} 5/);
  });
});
