import { describe, expect, it } from 'vitest';
import { DomainError } from './DomainError.ts';
import { PageTokenCodec } from './PageTokenCodec.ts';

const codec = new PageTokenCodec('0123456789abcdef-secret');
const key = { tenantId: 't1', storeCode: 's1' };

describe('PageTokenCodec', () => {
  it('round-trips a cursor', () => {
    const token = codec.encode({ ...key, afterItemCode: 'Ä/1' });
    expect(codec.decode(token, key)).toEqual({ ...key, afterItemCode: 'Ä/1' });
  });

  it.each([
    ['empty parts', '.'],
    ['no signature', 'eyJ2IjoxfQ'],
    ['extra part', 'a.b.c'],
    ['garbage', '%%%'],
    ['huge', 'a'.repeat(2000)],
  ])('rejects %s as invalid input naming page_token', (_n, token) => {
    expect(() => codec.decode(token, key)).toThrow(DomainError);
    expect(() => codec.decode(token, key)).toThrow(expect.objectContaining({ kind: 'invalid', fields: ['page_token'] }));
  });

  it('rejects a token signed with another secret, or for another store', () => {
    const foreign = new PageTokenCodec('another-secret-0123456').encode({ ...key, afterItemCode: 'x' });
    expect(() => codec.decode(foreign, key)).toThrow(/page_token is not valid/);
    expect(() => codec.decode(codec.encode({ ...key, afterItemCode: 'x' }), { tenantId: 't1', storeCode: 's2' })).toThrow(/page_token/);
  });

  it('cuts a keyset page: a token only when the extra row shows there is more, pointing after the last row kept', () => {
    const rows = ['a', 'b', 'c'];
    expect(codec.page(rows.slice(0, 2), 2, key, (r) => r)).toEqual({ rows: ['a', 'b'], nextPageToken: '' });
    const more = codec.page(rows, 2, key, (r) => r);
    expect(more.rows).toEqual(['a', 'b']);
    expect(codec.after(more.nextPageToken, key)).toBe('b');
    expect(codec.after('', key)).toBeUndefined();
  });
});
