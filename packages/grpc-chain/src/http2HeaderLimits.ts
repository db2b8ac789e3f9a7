import type { ServerOptions } from 'node:http2';
import type { Server } from '@grpc/grpc-js';

export interface Http2HeaderLimits {
  /** Header bytes per stream past which HTTP/2 itself resets that one stream (default 128 KiB). */
  readonly maxHeaderListBytes?: number;
  /** Header entries per stream past which HTTP/2 itself resets that one stream (default 1,024). */
  readonly maxHeaderPairs?: number;
}

/**
 * Sets Node's HTTP/2 header limits on a grpc-js server, which has no options for them: its
 * defaults (64 KiB, 128 entries) reset a stream before transportLimits can answer it with a
 * status that says why. Raised to these hard limits, headers between transportLimits' limits and
 * these get RESOURCE_EXHAUSTED with the server's message; past them, Node resets that stream
 * alone (ENHANCE_YOUR_CALM, which clients read as RESOURCE_EXHAUSTED). Other calls on the
 * connection are untouched either way. What no setting here changes, because nghttp2 decides it
 * for the whole connection (measured on Node 24): a single header field (name and value) over
 * 64 KiB is an HPACK decoding error (NGHTTP2_HD_MAX_NV; GOAWAY COMPRESSION_ERROR), and a header
 * block of more than 8 CONTINUATION frames (about 144 KiB compressed, nghttp2's flood guard) ends
 * the connection (GOAWAY INTERNAL_ERROR). Only that one client's connection: put a proxy's header
 * limit in front where many callers share one connection. Call it before `bindAsync`.
 */
export function http2HeaderLimits(server: Server, limits: Http2HeaderLimits = {}): void {
  // grpc-js keeps the options it hands to http2.createServer in this (private) field.
  const holder = server as unknown as { commonServerOptions?: ServerOptions };
  const options = holder.commonServerOptions;
  if (!options) throw new Error('http2HeaderLimits: this grpc-js version keeps no commonServerOptions; the header limits cannot be set');
  const maxHeaderListSize = limits.maxHeaderListBytes ?? 131_072;
  options.maxHeaderListPairs = limits.maxHeaderPairs ?? 1_024;
  options.settings = { ...options.settings, maxHeaderListSize };
}
