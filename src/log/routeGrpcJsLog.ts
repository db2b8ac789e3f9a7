import { setLogger, setLogVerbosity, logVerbosity } from '@grpc/grpc-js';
import type { Logger } from './createLogger.ts';

/**
 * grpc-js logs to the console by itself (plain text on stderr), and a request header it cannot
 * take (a byte >= 0x80 in a text value) is logged with its raw value. Its lines go to the JSON log
 * instead, as warnings, with the values of refused metadata left out: a header can carry a token.
 */
export function routeGrpcJsLog(log: Logger): void {
  const line = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    const refused = /^Failed to add metadata entry ([^:]*):/.exec(text);
    if (refused) {
      const key = (refused[1] ?? '').slice(0, 100);
      log.warn(
        { event: 'grpc_js', metadataRefused: key },
        `a request header was dropped by grpc-js: ${key} (its value is not valid in a text header; value withheld)`,
      );
      return;
    }
    log.warn({ event: 'grpc_js' }, text.slice(0, 500));
  };
  setLogger({ error: line, info: line, debug: line });
  setLogVerbosity(logVerbosity.ERROR);
}
