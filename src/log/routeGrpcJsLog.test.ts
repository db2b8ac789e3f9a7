import { Writable } from 'node:stream';
import { Metadata } from '@grpc/grpc-js';
import { expect, it } from 'vitest';
import { createLogger } from './createLogger.ts';
import { routeGrpcJsLog } from './routeGrpcJsLog.ts';

it('a header grpc-js refuses is logged as JSON, naming the key and never the value', () => {
  const lines: string[] = [];
  routeGrpcJsLog(createLogger('info', new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) })));
  const metadata = Metadata.fromHttp2Headers({ 'x-masterdata-read-after': 'secret\u00e9token' });
  expect(metadata.get('x-masterdata-read-after')).toEqual([]);
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  expect(line).toMatchObject({ event: 'grpc_js', metadataRefused: 'x-masterdata-read-after', level: 40 });
  expect(lines[0]).not.toMatch(/secret/);
});
