import { describe, expect, it } from 'vitest';
import { formatDecimal } from './itemDetail.ts';
import { checkCode, checkDecimal, checkKey, Violations } from './validation.ts';

function problems(check: (v: Violations) => void): string | undefined {
  const v = new Violations();
  check(v);
  try {
    v.throwIfAny();
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

describe('validation', () => {
  it.each(['4011', 'ÄPFEL-1', '商品/42', 'a.b_c-d', 'x'.repeat(64)])('accepts code %s', (code) => {
    expect(problems((v) => checkCode(v, 'item_code', code))).toBeUndefined();
  });

  it.each([
    ['', /required/],
    ['x'.repeat(65), /65 characters/],
    ["a'b", /may contain only/],
    ['a b', /may contain only/],
    ['-lead', /must start/],
    ['a\u200Db', /invisible/],
    ['a\uFFFDb', /invalid/],
    ['e\u0301', /NFC/],
  ])('rejects code %j', (code, message) => {
    expect(problems((v) => checkCode(v, 'item_code', code))).toMatch(message);
  });

  it('counts characters, not UTF-16 units, as PostgreSQL varchar does', () => {
    expect(problems((v) => checkCode(v, 'item_code', '😀'.repeat(10)))).toMatch(/may contain only/);
    expect(problems((v) => checkCode(v, 'item_code', '字'.repeat(64)))).toBeUndefined();
  });

  it('reports every violation at once', () => {
    const message = problems((v) => {
      checkKey(v, 'tenant_id', '');
      checkKey(v, 'store_code', 'ä');
      checkDecimal(v, 'unit_price', '1.23456', true);
    });
    expect(message).toMatch(/tenant_id is required; store_code may contain only ASCII.*; unit_price must be/);
  });

  it.each([
    ['12.5000', '12.50'],
    ['0.1230', '0.123'],
    ['1.0000', '1.00'],
    ['99999999.9999', '99999999.9999'],
  ])('formats %s as %s', (raw, shown) => {
    expect(formatDecimal({ toFixed: () => raw })).toBe(shown);
  });
});
