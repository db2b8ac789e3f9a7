/** The request keys the middleware reads from a decoded message: never its content. */
export type RequestKey = 'tenantId' | 'storeCode' | 'itemCode' | 'requestId';

/** One key of a decoded request, when it is a non-empty string (at most 128 characters). */
export function requestKey(message: unknown, key: RequestKey): string | undefined {
  const value = typeof message === 'object' && message !== null ? (message as Partial<Record<RequestKey, unknown>>)[key] : undefined;
  return typeof value === 'string' && value !== '' ? value.slice(0, 128) : undefined;
}
