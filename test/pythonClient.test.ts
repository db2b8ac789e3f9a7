import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../harness/startTestServer.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';

// The cart of the incident was Python: Debian's python3-grpcio, stubs generated from proto/ with
// Debian's python3-grpc-tools, the client module in clients/python, in a process of its own.
const run = promisify(execFile);
const PYTHON = process.env.PYTHON_GRPC ?? '/usr/bin/python3';
const CLIENT = fileURLToPath(new URL('../clients/python/', import.meta.url));
const available = await run(PYTHON, ['-c', 'import grpc, grpc_tools']).then(
  () => true,
  () => false,
);

describe.skipIf(!available && !process.env.CI)('the Python client (clients/python)', () => {
  it('three concurrent users, 200 lookups through repositories made per request: 1 channel, 1 TCP connection, every lookup answered', async () => {
    await using db = await TestDatabase.create();
    await using t = await startTestServer(db.url());
    await run(PYTHON, [`${CLIENT}generate.py`]);
    const { stdout } = await run(PYTHON, [`${CLIENT}cart_incident.py`, t.address], { timeout: 60_000 });
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result, JSON.stringify(result)).toMatchObject({
      lookups: 200,
      ok: 200,
      failed: 0,
      channels_created: 1,
      channels_reused: 199,
      tcp_connections: 1,
      channels_live_after_close: 0,
    });
  });
});
