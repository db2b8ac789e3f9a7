import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { TcpProxy } from './TcpProxy.ts';

/** A TCP server standing in for PostgreSQL: it records when each accepted socket closes. */
async function upstream(): Promise<{
  port: number;
  accepted: net.Socket[];
  closed: () => number;
  [Symbol.asyncDispose]: () => Promise<void>;
}> {
  const accepted: net.Socket[] = [];
  let closed = 0;
  const server = net.createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => undefined).on('close', () => (closed += 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted,
    closed: () => closed,
    [Symbol.asyncDispose]: async () => {
      for (const s of accepted) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function connected(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
  return check();
};

describe('TcpProxy', () => {
  it("closes the server's side when the client destroys its socket, as a real path does (no backend left behind)", async () => {
    await using server = await upstream();
    await using proxy = await TcpProxy.start({ host: '127.0.0.1', port: server.port });
    const client = await connected(proxy.port);
    expect(await until(() => server.accepted.length === 1)).toBe(true);
    client.destroy();
    expect(await until(() => server.closed() === 1)).toBe(true);
  });

  it('through a black hole the server hears nothing of the close until heal()', async () => {
    await using server = await upstream();
    await using proxy = await TcpProxy.start({ host: '127.0.0.1', port: server.port });
    const client = await connected(proxy.port);
    expect(await until(() => server.accepted.length === 1)).toBe(true);
    proxy.blackhole();
    client.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect(server.closed()).toBe(0);
    proxy.heal();
    expect(await until(() => server.closed() === 1)).toBe(true);
  });
});
