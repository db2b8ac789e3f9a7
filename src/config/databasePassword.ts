import { readFile } from 'node:fs/promises';
import { DatabaseEndpoint, type PasswordProvider } from '@pos-masterdata/resilient-prisma';
import type { Config } from './config.ts';

/**
 * Where each new database connection gets its password: DATABASE_PASSWORD_FILE, or the password
 * in DATABASE_URL_FILE, read again every time (Vault agents, Kubernetes secrets and cloud secret
 * managers rewrite the file when they rotate it). Undefined: the URL's own password, fixed at start.
 * A file that cannot be read or parsed now fails that connection (and the call, as misconfigured);
 * the password at start stays what migrations and start-up used.
 */
export function databasePassword(
  config: Pick<Config, 'DATABASE_PASSWORD_FILE' | 'DATABASE_URL_FILE' | 'DATABASE_READ_URL'>,
): PasswordProvider | undefined {
  const passwordFile = config.DATABASE_PASSWORD_FILE;
  if (passwordFile !== undefined) return async () => readFile(passwordFile, 'utf8');
  const urlFile = config.DATABASE_URL_FILE;
  // A read URL with a password of its own is another role: one provider cannot answer for both.
  if (urlFile === undefined || config.DATABASE_READ_URL?.hasPassword === true) return undefined;
  return async () => {
    const password = DatabaseEndpoint.parse((await readFile(urlFile, 'utf8')).replace(/\r?\n$/, '')).password;
    if (password === undefined) throw new Error('DATABASE_URL_FILE: the URL carries no password any more');
    return password;
  };
}
