import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from './startTestServer.ts';
import { TestDatabase } from './TestDatabase.ts';

/**
 * One database and one server for a whole test file: started before its first test, closed after
 * its last. Read `.server` and `.db` inside tests (they exist once beforeAll has run).
 */
export function serverPerFile(): { readonly server: TestServer; readonly db: TestDatabase } {
  let db: TestDatabase | undefined;
  let server: TestServer | undefined;
  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startTestServer(db.url());
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    await db?.[Symbol.asyncDispose]();
  });
  return {
    get server() {
      if (!server) throw new Error('serverPerFile: read .server inside a test');
      return server;
    },
    get db() {
      if (!db) throw new Error('serverPerFile: read .db inside a test');
      return db;
    },
  };
}
