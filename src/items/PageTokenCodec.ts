import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from './DomainError.ts';

export interface PageCursor {
  readonly tenantId: string;
  readonly storeCode: string;
  readonly afterItemCode: string;
}

const INVALID =
  'page_token is not valid for this request (it was changed, or issued for another tenant or store); start again with an empty page_token';
const invalidToken = () => new DomainError('invalid', INVALID, ['page_token']);

/** Opaque, tamper-evident page tokens: base64url(JSON) + HMAC-SHA256, bound to tenant and store. */
export class PageTokenCodec {
  readonly #secret: Buffer;

  constructor(secret: string | Buffer) {
    this.#secret = Buffer.from(secret);
  }

  encode(cursor: PageCursor): string {
    const body = Buffer.from(JSON.stringify({ v: 1, t: cursor.tenantId, s: cursor.storeCode, a: cursor.afterItemCode })).toString(
      'base64url',
    );
    return `${body}.${this.#sign(body)}`;
  }

  /** The cursor a token carries; INVALID_ARGUMENT when it was forged, mangled or is for another query. */
  decode(token: string, expect: { tenantId: string; storeCode: string }): PageCursor {
    const [body, mac, extra] = token.split('.');
    if (body === undefined || mac === undefined || extra !== undefined || token.length > 1024) throw invalidToken();
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalidToken();
    const parsed: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const p = parsed as { v?: unknown; t?: unknown; s?: unknown; a?: unknown };
    if (p.v !== 1 || p.t !== expect.tenantId || p.s !== expect.storeCode || typeof p.a !== 'string') {
      throw invalidToken();
    }
    return { tenantId: p.t, storeCode: p.s, afterItemCode: p.a };
  }

  /** Where a page starts: after the token's key, or at the beginning for an empty token. */
  after(token: string, expect: { tenantId: string; storeCode: string }): string | undefined {
    return token === '' ? undefined : this.decode(token, expect).afterItemCode;
  }

  /**
   * A keyset page from up to `pageSize + 1` rows read in key order: the first `pageSize`, and a
   * token for the next page when the extra row shows there is one.
   */
  page<T>(
    rows: readonly T[],
    pageSize: number,
    scope: { tenantId: string; storeCode: string },
    keyOf: (row: T) => string,
  ): { rows: T[]; nextPageToken: string } {
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      rows: page,
      nextPageToken: rows.length > pageSize && last !== undefined ? this.encode({ ...scope, afterItemCode: keyOf(last) }) : '',
    };
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }
}
