import type { CallAuthContext } from '@pos-masterdata/grpc-chain';

/** A caller as its client certificate names it: the subject's CN and every subjectAltName value. */
export interface Caller {
  /** How logs name it: the CN, else the first SAN. */
  readonly label: string;
  /** Every name the policy may match. */
  readonly names: readonly string[];
}

/** The caller of a call on a TLS connection with a client certificate; undefined for an anonymous one. */
export function callerOf(auth: CallAuthContext): Caller | undefined {
  const cert = auth.sslPeerCertificate;
  if (!cert || Object.keys(cert).length === 0) return undefined;
  const cn = typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined;
  // "DNS:till-1.acme.example, URI:spiffe://acme/till-1" → the values after the type.
  const sans = (cert.subjectaltname ?? '')
    .split(',')
    .map((entry) => entry.trim().replace(/^[A-Za-z ]+:/, ''))
    .filter((name) => name !== '');
  const names = [...new Set([...(cn ? [cn] : []), ...sans])];
  const label = names[0];
  return label === undefined ? undefined : { label, names };
}
