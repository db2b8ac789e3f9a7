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
      const code = (error as { code?: unknown }).code;
      throw new InvalidTokenError(
        typeof code === 'string' ? code.replace(/^ERR_/, '').toLowerCase().replaceAll('_', ' ') : 'it cannot be verified',
      );
    }
  }
}
