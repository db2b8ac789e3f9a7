import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  /** The CA that signed the server's certificate. */
  readonly ca: string;
  /** A CA that signed nothing here: trusting it alone must fail. */
  readonly otherCa: string;
  /** The server's certificate (SAN: IP 127.0.0.1, DNS localhost) and key. */
  readonly serverCert: string;
  readonly serverKey: string;
}

/** A CA, a server certificate it signs for 127.0.0.1, and an unrelated CA; made with openssl, in `dir`. */
export async function makeCertificates(dir: string): Promise<TestCertificates> {
  const path = (name: string) => join(dir, name);
  const ca = async (name: string) =>
    run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      path(`${name}.key`),
      '-out',
      path(`${name}.crt`),
    ]);
  await ca('test-ca');
  await ca('other-ca');
  const server = await signCertificate(dir, '127.0.0.1', 'IP:127.0.0.1,DNS:localhost');
  return { ca: path('test-ca.crt'), otherCa: path('other-ca.crt'), serverCert: server.cert, serverKey: server.key };
}

/** A certificate for `name` (CN and a DNS SAN), signed by the test CA made in `dir`: a caller's, or a rotated server's. */
export async function signCertificate(dir: string, name: string, san = `DNS:${name}`): Promise<{ cert: string; key: string }> {
  const path = (f: string) => join(dir, f);
  const base = name.replace(/[^\w.-]/g, '_');
  await run('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    path(`${base}.key`),
    '-out',
    path(`${base}.csr`),
  ]);
  writeFileSync(path(`${base}.ext`), `subjectAltName=${san}\n`);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    path(`${base}.csr`),
    '-CA',
    path('test-ca.crt'),
    '-CAkey',
    path('test-ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    path(`${base}.ext`),
    '-out',
    path(`${base}.crt`),
  ]);
  return { cert: path(`${base}.crt`), key: path(`${base}.key`) };
}
