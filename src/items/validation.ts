import { DomainError } from './DomainError.ts';

// Input rules for the item API. Every violation is reported at once, naming the field and
// saying what is allowed, so a caller can fix the request without reading this file.

export const LIMITS = {
  batchItemCodes: 100,
  pageSizeDefault: 50,
  pageSizeMax: 500,
} as const;

const KEY = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
// Letters and digits of any script plus . _ - / ; no spaces, quotes, % or other SQL/LIKE metacharacters.
const CODE = /^[\p{L}\p{N}][\p{L}\p{N}\p{M}._\-/]*$/u;
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const DECIMAL = /^\d{1,8}(\.\d{1,4})?$/;
const TAX = /^[A-Za-z0-9_-]{1,16}$/;
const BARCODE = /^[A-Za-z0-9]{1,32}$/;
// Control and format characters (zero-width, bidi overrides) and U+FFFD, which protobuf uses for invalid UTF-8.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\uFFFD]/u;

/** PostgreSQL varchar(n) counts characters (code points), not UTF-16 units. */
function codePoints(value: string): number {
  return Array.from(value).length;
}

export class Violations {
  readonly #items: string[] = [];
  readonly #fields: string[] = [];

  add(field: string, problem: string): void {
    this.#items.push(`${field} ${problem}`);
    this.#fields.push(field);
  }

  throwIfAny(): void {
    if (this.#items.length > 0) throw new DomainError('invalid', `invalid request: ${this.#items.join('; ')}`, [...new Set(this.#fields)]);
  }
}

export function checkKey(v: Violations, field: string, value: string): void {
  if (value.length === 0) v.add(field, 'is required');
  else if (value.length > 64) v.add(field, `is ${value.length} characters long; at most 64 are allowed`);
  else if (!KEY.test(value)) v.add(field, 'may contain only ASCII letters, digits, "_" and "-", and must start with a letter or digit');
}

export function checkCode(v: Violations, field: string, value: string): void {
  if (value.length === 0) v.add(field, 'is required');
  else if (codePoints(value) > 64) v.add(field, `is ${codePoints(value)} characters long; at most 64 are allowed`);
  else if (INVISIBLE.test(value)) v.add(field, 'contains control, invisible or invalid characters');
  else if (value.normalize('NFC') !== value) v.add(field, 'must be in Unicode normalization form NFC');
  else if (!CODE.test(value))
    v.add(field, 'may contain only letters, digits, ".", "_", "-" and "/", and must start with a letter or digit');
}

export function checkText(v: Violations, field: string, value: string, max: number, required: boolean): void {
  if (value.length === 0) {
    if (required) v.add(field, 'is required');
    return;
  }
  if (codePoints(value) > max) v.add(field, `is ${codePoints(value)} characters long; at most ${max} are allowed`);
  else if (INVISIBLE.test(value)) v.add(field, 'contains control, invisible or invalid characters');
  else if (value.trim() !== value) v.add(field, 'must not start or end with white space');
}

export function checkDecimal(v: Violations, field: string, value: string, required: boolean): void {
  if (value.length === 0) {
    if (required) v.add(field, 'is required (a decimal such as "12.99")');
    return;
  }
  if (!DECIMAL.test(value))
    v.add(
      field,
      `must be a non-negative decimal with at most 8 digits before and 4 after the point, such as "12.99" (got ${JSON.stringify(value.slice(0, 20))})`,
    );
}

export function checkPattern(v: Violations, field: string, value: string, kind: 'tax' | 'barcode' | 'request', required: boolean): void {
  if (value.length === 0) {
    if (required) v.add(field, 'is required');
    return;
  }
  const [re, rule] = {
    tax: [TAX, '1 to 16 ASCII letters, digits, "_" or "-"'],
    barcode: [BARCODE, '1 to 32 ASCII letters or digits'],
    request: [REQUEST_ID, '8 to 128 characters of A-Z a-z 0-9 . _ : - (a UUID works)'],
  }[kind] as [RegExp, string];
  if (!re.test(value)) v.add(field, `must be ${rule}`);
}
