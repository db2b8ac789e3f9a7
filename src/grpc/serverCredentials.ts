import { experimental, ServerCredentials } from '@grpc/grpc-js';

export interface ServerTlsSettings {
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  /** Set: callers must present a certificate this CA signed (mutual TLS). */
  readonly clientCaFile?: string | undefined;
  /** How often the files are read again, so rotated certificates are served without a restart. */
  readonly reloadMs: number;
}

/**
 * The server's transport credentials: plaintext without a certificate; otherwise TLS from files
 * that grpc-js watches (FileWatcherCertificateProvider), with client certificates required
 * when a client CA is given.
 */
export function serverCredentials(tls: ServerTlsSettings): ServerCredentials {
  if (!tls.certFile || !tls.keyFile) return ServerCredentials.createInsecure();
  const files = new experimental.FileWatcherCertificateProvider({
    certificateFile: tls.certFile,
    privateKeyFile: tls.keyFile,
    ...(tls.clientCaFile ? { caCertificateFile: tls.clientCaFile } : {}),
    refreshIntervalMs: tls.reloadMs,
  });
  // grpc-js 1.14 passes its first argument on as the identity provider and its second as the CA
  // provider, whatever its declaration says; one provider holding both makes the order moot.
  return experimental.createCertificateProviderServerCredentials(files, tls.clientCaFile ? files : null, tls.clientCaFile !== undefined);
}
