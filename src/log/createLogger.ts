import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** JSON logs; anything that could carry a credential is redacted before it is written. */
export function createLogger(level: LevelWithSilent, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'masterdata' },
      redact: {
        paths: ['password', '*.password', 'connectionString', '*.connectionString', 'databaseUrl', '*.databaseUrl', 'DATABASE_URL'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
