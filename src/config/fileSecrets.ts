import { readFileSync } from 'node:fs';
import { ConfigError } from './ConfigError.ts';

/** Settings that may come from a file instead (`<NAME>_FILE`, the convention of orchestrators' secrets). */
const FROM_FILE = ['DATABASE_URL', 'DATABASE_READ_URL', 'PAGE_TOKEN_SECRET'] as const;

export interface FileSecrets {
  /** The environment with every `<NAME>_FILE` replaced by `<NAME>` and the file's content. */
  readonly env: Record<string, string | undefined>;
  /** DATABASE_PASSWORD_FILE's content, for the database URLs that carry no password. */
  readonly databasePassword: string | undefined;
}

/**
 * Reads the secrets handed over as files. A file that cannot be read, or a setting given both
 * ways, stops the service with one line naming the variable (and the path, never the content).
 */
export function readFileSecrets(env: Record<string, string | undefined>): FileSecrets {
  const out: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  const read = (variable: string): string | undefined => {
    const path = env[variable];
    if (path === undefined || path === '') return undefined;
    try {
      // `echo secret > file` leaves a newline that is not part of the secret.
      return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      problems.push(`${variable}: cannot read ${path} (${typeof code === 'string' ? code : 'unreadable'})`);
      return undefined;
    }
  };
  for (const name of FROM_FILE) {
    const variable = `${name}_FILE`;
    if (env[variable] === undefined || env[variable] === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${variable}: ${name} is set too; give one of them`);
      continue;
    }
    out[name] = read(variable);
    // The path is no setting of the schema's (it stays behind as undefined, which is ignored), but
    // DATABASE_URL_FILE's: its password is read again for each new connection (databasePassword.ts).
    if (variable !== 'DATABASE_URL_FILE') out[variable] = undefined;
  }
  // Kept as a setting: read again for each new connection, so a rotated password needs no restart.
  const databasePassword = read('DATABASE_PASSWORD_FILE');
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return { env: out, databasePassword };
}
