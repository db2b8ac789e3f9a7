import { readFileSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { ConfigError } from '../config/ConfigError.ts';

export interface BearerTokenSettings {
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
}

/** Why a token was refused, for the caller (the token itself is never echoed). */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/**
 * Bearer tokens (JWT) checked against the keys of a JWKS file (jose: signature, expiry, issuer,
 * audience). A valid token's `sub` names the caller for the authorization policy.
 */
export class BearerTokens {
  readonly #keys: ReturnType<typeof createLocalJWKSet>;
  readonly #settings: BearerTokenSettings;

  private constructor(keys: ReturnType<typeof createLocalJWKSet>, settings: BearerTokenSettings) {
    this.#keys = keys;
    this.#settings = settings;
  }

  /** Read once at start; a file that is not a JWKS stops the service with one line. */
  static fromFile(path: string, settings: BearerTokenSettings): BearerTokens {
    try {
      const jwks = JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet;
      if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error('no "keys"');
      return new BearerTokens(createLocalJWKSet(jwks), settings);
    } catch (error) {
      throw new ConfigError(
        `invalid configuration: AUTHZ_JWKS_FILE: ${path} is not a JWKS (${error instanceof Error ? error.message.split('\n')[0] : 'unreadable'})`,
      );
    }
  }

  /** The subject of a valid token; InvalidTokenError saying why otherwise. */
  async subject(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        ...(this.#settings.issuer ? { issuer: this.#settings.issuer } : {}),
        ...(this.#settings.audience ? { audience: this.#settings.audience } : {}),
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidTokenError('it names no subject (sub)');
      return payload.sub;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      throw new InvalidTokenError(whyRefused(error as { code?: unknown; claim?: unknown }));
    }
  }
}

/** jose's error codes, in the caller's words (the README's): why a token was refused, never the token. */
const REFUSALS: Readonly<Record<string, string>> = {
  ERR_JWT_EXPIRED: 'it has expired',
  ERR_JWKS_NO_MATCHING_KEY: 'it is signed with an unknown key',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'its key id matches more than one key',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'its signature does not verify',
  ERR_JOSE_NOT_SUPPORTED: 'its algorithm is not supported',
  ERR_JOSE_ALG_NOT_ALLOWED: 'its algorithm is not allowed',
  ERR_JWS_INVALID: 'it is not a well-formed JWT',
  ERR_JWT_INVALID: 'it is not a well-formed JWT',
};

/** Claims jose checks, by the `claim` its ERR_JWT_CLAIM_VALIDATION_FAILED names. */
const CLAIMS: Readonly<Record<string, string>> = {
  aud: 'wrong audience',
  iss: 'wrong issuer',
  nbf: 'it is not valid yet',
  iat: 'its issue time is not valid',
  exp: 'it has expired',
};

function whyRefused(error: { code?: unknown; claim?: unknown }): string {
  if (error.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && typeof error.claim === 'string')
    return CLAIMS[error.claim] ?? `its ${error.claim} claim is not valid`;
  return (typeof error.code === 'string' ? REFUSALS[error.code] : undefined) ?? 'it cannot be verified';
}
