import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelPool, type TlsMaterial } from '@pos-masterdata/channel-pool';
import { itemServiceApi } from '../src/clients/ItemServiceApi.ts';
import { itemServiceClient } from '../src/clients/itemServiceClient.ts';
import { healthCheck } from '../harness/healthCheck.ts';
import { itemFields } from '../harness/itemFields.ts';
import { runService } from '../harness/runService.ts';
import { startTestServer, type TestServer } from '../harness/startTestServer.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';
import { makeCertificates, signCertificate, type TestCertificates } from '../harness/tlsCertificates.ts';

// Mutual TLS and tenant authorization, end to end: certificates made here, a policy file, real
// gRPC clients from the ChannelPool presenting client certificates.
let dir: string;
let certs: TestCertificates;
let db: TestDatabase;
let t: TestServer;
let serverCert: string;
let serverKey: string;
const pool = new ChannelPool({ defaultDeadlineMs: 5_000 });
const callers: Record<string, TlsMaterial> = {};
let signingKey: CryptoKey;
let policy: string;
let jwks: string;
const POLICY = {
  callers: [
    { identity: 'till-a.acme', read: ['demo'] },
    { identity: 'till-b.other', read: ['other'] },
    { identity: 'backoffice.acme', write: ['demo'] },
    // A till of one store: reads its own store and S002, writes only its own.
    { identity: 'till-c.acme', stores: [{ tenant: 'demo', read: ['S002'], write: ['S001'] }] },
  ],
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mtls-'));
  certs = await makeCertificates(dir);
  // The server reads its certificate from files of its own, which the rotation test replaces.
  serverCert = join(dir, 'served.crt');
  serverKey = join(dir, 'served.key');
  copyFileSync(certs.serverCert, serverCert);
  copyFileSync(certs.serverKey, serverKey);
  for (const name of ['till-a.acme', 'till-b.other', 'backoffice.acme', 'till-c.acme']) {
    const own = await signCertificate(dir, name);
    callers[name] = { rootCerts: readFileSync(certs.ca), certChain: readFileSync(own.cert), privateKey: readFileSync(own.key) };
  }
  policy = join(dir, 'policy.json');
  writeFileSync(policy, JSON.stringify(POLICY));
  const keys = await generateKeyPair('ES256');
  signingKey = keys.privateKey;
  jwks = join(dir, 'jwks.json');
  writeFileSync(jwks, JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' }] }));
  db = await TestDatabase.create();
  t = await startTestServer(db.url(), {
    AUTHZ_JWKS_FILE: jwks,
    AUTHZ_JWT_AUDIENCE: 'masterdata',
    GRPC_TLS_CERT_FILE: serverCert,
    GRPC_TLS_KEY_FILE: serverKey,
    GRPC_TLS_CLIENT_CA_FILE: certs.ca,
    GRPC_TLS_RELOAD_MS: 200,
    AUTHZ_RELOAD_MS: 100,
    AUTHZ_POLICY_FILE: policy,
    LOG_LEVEL: 'info',
  });
});
afterAll(async () => {
  pool.close();
  await t[Symbol.asyncDispose]();
  await db[Symbol.asyncDispose]();
});

const api = (transport: TlsMaterial) => itemServiceApi(itemServiceClient(pool, t.address, transport));
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => Status.OK,
    (e: unknown) => (e as ServiceError).code,
  );
/** A client that till-b's certificate admits to the connection, and whose calls a bearer token names. */
const apiWithToken = (jwt: string) =>
  itemServiceApi(
    itemServiceClient(
      pool,
      t.address,
      credentials.combineChannelCredentials(
        pool.credentials(callers['till-b.other']),
        credentials.createFromMetadataGenerator((_params, callback) => {
          const metadata = new Metadata();
          metadata.set('authorization', `Bearer ${jwt}`);
          callback(null, metadata);
        }),
      ),
    ),
  );
const read = (as: TlsMaterial, tenantId = 'demo') => api(as).getItemDetail({ tenantId, storeCode: 'S001', itemCode: '4011' });

describe('callers over mutual TLS', () => {
  it('a caller without a client certificate is turned away by the handshake (UNAVAILABLE, as gRPC reports it)', async () => {
    expect(await codeOf(read({ rootCerts: readFileSync(certs.ca) }))).toBe(Status.UNAVAILABLE);
  });

  it('a certificate for tenant A reads tenant A, and gets PERMISSION_DENIED for tenant B and for writes', async () => {
    const tillA = callers['till-a.acme'] as TlsMaterial;
    expect(await read(tillA)).toMatchObject({ itemCode: '4011' });
    const other = await read(tillA, 'other').catch((e: unknown) => e as ServiceError);
    expect(other).toMatchObject({ code: Status.PERMISSION_DENIED, details: 'caller "till-a.acme" may not read tenant "other"' });
    const write = api(tillA).upsertItem({
      tenantId: 'demo',
      storeCode: 'S001',
      itemCode: 'MTLS-1',
      requestId: 'mtls-request-0001',
      expectedVersion: 0,
      item: itemFields(),
    });
    expect(await codeOf(write)).toBe(Status.PERMISSION_DENIED);
    expect(await codeOf(read(callers['till-b.other'] as TlsMaterial))).toBe(Status.PERMISSION_DENIED);
  });

  it('a caller allowed to write does, and every write leaves one audit line with the caller and the keys, never the content', async () => {
    const office = callers['backoffice.acme'] as TlsMaterial;
    const requestId = 'mtls-request-0002';
    await api(office).upsertItem({
      tenantId: 'demo',
      storeCode: 'S001',
      itemCode: 'MTLS-2',
      requestId,
      expectedVersion: 0,
      item: itemFields({ description: 'Secret recipe' }),
    });
    const line = t.logs.find((l) => l.event === 'audit' && l.requestId === requestId);
    expect(line).toMatchObject({
      caller: 'backoffice.acme',
      method: 'UpsertItem',
      tenantId: 'demo',
      storeCode: 'S001',
      itemCode: 'MTLS-2',
      outcome: 'OK',
    });
    expect(JSON.stringify(line)).not.toContain('Secret recipe');
    expect(t.logs.some((l) => l.event === 'audit' && l.caller === 'till-a.acme' && l.outcome === 'PERMISSION_DENIED')).toBe(true);
  });

  it('store grants: a caller granted stores of a tenant reads and writes those, and gets PERMISSION_DENIED naming any other store', async () => {
    const tillC = callers['till-c.acme'] as TlsMaterial;
    const get = (storeCode: string) => api(tillC).getItemDetail({ tenantId: 'demo', storeCode, itemCode: '4011' });
    expect(await get('S001')).toMatchObject({ itemCode: '4011' }); // write implies read
    expect(await get('S002')).toMatchObject({ itemCode: '4011' });
    await expect(get('S003')).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
      details: 'caller "till-c.acme" may not read store "S003" of tenant "demo"',
    });
    const write = (storeCode: string, n: string) =>
      api(tillC).upsertItem({
        tenantId: 'demo',
        storeCode,
        itemCode: `STORE-${n}`,
        requestId: `store-grant-${n}-0001`,
        expectedVersion: 0,
        item: itemFields(),
      });
    expect(await codeOf(write('S001', '1'))).toBe(Status.OK);
    await expect(write('S002', '2')).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
      details: 'caller "till-c.acme" may not write store "S002" of tenant "demo"',
    });
    // A tenant-wide call (no store) needs a grant of the whole tenant.
    expect(await codeOf(api(tillC).listItems({ tenantId: 'demo', storeCode: '', pageSize: 5, pageToken: '' }))).toBe(
      Status.PERMISSION_DENIED,
    );
  });

  it('a policy change takes effect without a restart; a broken file keeps the policy in force and says why in one line', async () => {
    const tillB = callers['till-b.other'] as TlsMaterial;
    const until = async (check: () => Promise<boolean>) => {
      const end = Date.now() + 5_000;
      while (!(await check()) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      return check();
    };
    try {
      expect(await codeOf(read(tillB))).toBe(Status.PERMISSION_DENIED);
      const widened = { callers: POLICY.callers.map((c) => (c.identity === 'till-b.other' ? { ...c, read: ['other', 'demo'] } : c)) };
      writeFileSync(policy, JSON.stringify(widened));
      expect(await until(async () => (await codeOf(read(tillB))) === Status.OK)).toBe(true);

      const refusedBefore = t.logs.filter((l) => l.event === 'authz_reload' && l.refused !== undefined).length;
      writeFileSync(policy, '{"callers": [{"identity": ""}]');
      expect(
        await until(() =>
          Promise.resolve(t.logs.filter((l) => l.event === 'authz_reload' && l.refused !== undefined).length > refusedBefore),
        ),
      ).toBe(true);
      const refusal = t.logs.filter((l) => l.event === 'authz_reload' && l.refused !== undefined).at(-1);
      expect(String(refusal?.msg)).toMatch(/^kept the previous version of .*policy\.json: invalid configuration: AUTHZ_POLICY_FILE/);
      expect(await codeOf(read(tillB))).toBe(Status.OK); // the widened policy is still in force
    } finally {
      writeFileSync(policy, JSON.stringify(POLICY));
    }
    expect(await until(async () => (await codeOf(read(tillB))) === Status.PERMISSION_DENIED)).toBe(true);
  });

  it('a rotated JWKS file is read without a restart: a token of the new key is accepted once the file names it', async () => {
    const original = readFileSync(jwks, 'utf8');
    const rotated = await generateKeyPair('ES256');
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k2' })
      .setSubject('backoffice.acme')
      .setAudience('masterdata')
      .setExpirationTime('5m')
      .sign(rotated.privateKey);
    const withToken = apiWithToken(jwt);
    const code = () => codeOf(withToken.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' }));
    const until = async (want: Status) => {
      const end = Date.now() + 5_000;
      while ((await code()) !== want && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      return code();
    };
    expect(await code()).toBe(Status.UNAUTHENTICATED); // the key is not in the file yet
    try {
      const keys = (JSON.parse(original) as { keys: object[] }).keys;
      writeFileSync(jwks, JSON.stringify({ keys: [...keys, { ...(await exportJWK(rotated.publicKey)), kid: 'k2', alg: 'ES256' }] }));
      expect(await until(Status.OK)).toBe(Status.OK);
    } finally {
      writeFileSync(jwks, original);
    }
    expect(await until(Status.UNAUTHENTICATED)).toBe(Status.UNAUTHENTICATED);
  });

  it('health stays open to any caller with a certificate, whatever the policy', async () => {
    expect(await healthCheck(t.address, '', pool.credentials(callers['till-b.other'] as TlsMaterial))).toBe('SERVING');
    expect(await healthCheck(t.address, 'masterdata.v1.StoreService', pool.credentials(callers['till-b.other'] as TlsMaterial))).toBe(
      'SERVING',
    );
  });

  it('a valid bearer token names the caller by its subject; a bad one is UNAUTHENTICATED, saying why', async () => {
    const token = (over: { sub?: string; aud?: string; exp?: string; key?: CryptoKey } = {}) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject(over.sub ?? 'backoffice.acme')
        .setAudience(over.aud ?? 'masterdata')
        .setIssuedAt()
        .setExpirationTime(over.exp ?? '5m')
        .sign(over.key ?? signingKey);
    const requestId = 'mtls-request-0003';
    const office = apiWithToken(await token());
    await office.upsertItem({ tenantId: 'demo', storeCode: 'S001', itemCode: 'MTLS-3', requestId, expectedVersion: 0, item: itemFields() });
    expect(t.logs.find((l) => l.event === 'audit' && l.requestId === requestId)).toMatchObject({
      caller: 'backoffice.acme',
      outcome: 'OK',
    });
    const refused = (jwt: string): Promise<Partial<ServiceError>> =>
      apiWithToken(jwt)
        .getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' })
        .then(
          () => ({}),
          (e: unknown) => e as ServiceError,
        );
    const expired = await refused(await token({ exp: '-1m' }));
    expect(expired.code).toBe(Status.UNAUTHENTICATED);
    expect(expired.details).toBe('the bearer token is not valid: it has expired');
    // The README's words: expired, wrong audience, unknown key.
    expect(await refused(await token({ aud: 'elsewhere' }))).toMatchObject({
      code: Status.UNAUTHENTICATED,
      details: 'the bearer token is not valid: wrong audience',
    });
    const stranger = (await generateKeyPair('ES256')).privateKey;
    expect((await refused(await token({ key: stranger }))).code).toBe(Status.UNAUTHENTICATED);
    expect((await refused(await token({ key: stranger }))).details).toMatch(
      /^the bearer token is not valid: (it is signed with an unknown key|its signature does not verify)$/,
    );
    expect(await refused(await token({ sub: 'nobody' }))).toMatchObject({
      code: Status.PERMISSION_DENIED,
      details: 'caller "nobody" is not in the authorization policy',
    });
  });

  it('serves a rotated server certificate without a restart', async () => {
    const serial = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect(
          {
            host: '127.0.0.1',
            port: Number(t.address.split(':')[1]),
            ca: readFileSync(certs.ca),
            ALPNProtocols: ['h2'],
            ...keyPair(callers['till-a.acme'] as TlsMaterial),
          },
          () => {
            resolve(socket.getPeerCertificate().serialNumber);
            socket.end();
          },
        );
        socket.on('error', reject);
      });
    const before = await serial();
    const rotated = await signCertificate(dir, '127.0.0.1', 'IP:127.0.0.1');
    copyFileSync(rotated.cert, serverCert);
    copyFileSync(rotated.key, serverKey);
    const until = performance.now() + 5_000;
    let after = before;
    while (after === before && performance.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      after = await serial();
    }
    expect(after).not.toBe(before);
    expect(await read(callers['till-a.acme'] as TlsMaterial)).toMatchObject({ itemCode: '4011' });
  });

  it('stops at start with one line naming the setting for a bad policy file or an unreadable key', async () => {
    const bad = join(dir, 'bad-policy.json');
    writeFileSync(bad, JSON.stringify({ callers: [{ identity: '', read: 'demo' }] }));
    const badPolicy = await runService({ DATABASE_URL: db.url(), GRPC_PORT: '0', METRICS_PORT: 'off', AUTHZ_POLICY_FILE: bad });
    expect(badPolicy.code).toBe(2);
    expect(badPolicy.stderr.trim().split('\n')).toHaveLength(1);
    expect(badPolicy.stderr).toMatch(/^invalid configuration: AUTHZ_POLICY_FILE: callers\.0\.identity: .*callers\.0\.read: /);
    const noKey = await runService({
      DATABASE_URL: db.url(),
      GRPC_PORT: '0',
      METRICS_PORT: 'off',
      GRPC_TLS_CERT_FILE: serverCert,
      GRPC_TLS_KEY_FILE: join(dir, 'missing.key'),
    });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr.trim()).toMatch(/^invalid configuration: GRPC_TLS_KEY_FILE: cannot read .*missing\.key \(ENOENT\)/);
  });
});

function keyPair(material: TlsMaterial): { cert?: Buffer; key?: Buffer } {
  return { ...(material.certChain ? { cert: material.certChain } : {}), ...(material.privateKey ? { key: material.privateKey } : {}) };
}
