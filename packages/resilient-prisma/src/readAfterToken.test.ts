import { describe, expect, it } from 'vitest';
import { decodeReadAfter, encodeReadAfter, servesReadAfter } from './readAfterToken.ts';

describe('read-your-writes tokens', () => {
  it('carry the cluster and the position, and nothing else is taken for one', () => {
    const position = { cluster: '7714601532480112774', lsn: (0x16n << 32n) + 0xb374d848n };
    const token = encodeReadAfter(position);
    expect(decodeReadAfter(token)).toEqual(position);
    for (const bad of ['', 'rw1', 'rw1.x.10', 'rw2.1.10', `${token}.1`, 'rw1.1.' + 'f'.repeat(17), ' rw1.1.10'])
      expect(decodeReadAfter(bad)).toBeUndefined();
  });

  it('a read taken at a position serves only positions strictly before it', () => {
    expect(servesReadAfter(undefined, 1n)).toBe(false);
    expect(servesReadAfter(10n, 10n)).toBe(false);
    expect(servesReadAfter(11n, 10n)).toBe(true);
  });
});
