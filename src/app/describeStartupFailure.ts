import { ConfigError } from '../config/ConfigError.ts';
import { classifyDbError } from '@pos-masterdata/resilient-prisma';
import { SERVICE_HINTS } from '../db/serviceDatabase.ts';

/**
 * One line for an operator when the service cannot start on its database: what is wrong and
 * which setting to look at, never a stack trace, a URL or a password. The exit code tells a
 * supervisor whether waiting can help (1: the database may come back) or not (2: a setting).
 */
export function describeStartupFailure(error: unknown): { line: string; exitCode: 1 | 2 } {
  if (error instanceof ConfigError) return { line: error.message, exitCode: 2 };
  const failure = classifyDbError(error);
  if (failure.hint !== undefined) return { line: `cannot start: ${SERVICE_HINTS[failure.hint]}`, exitCode: 2 };
  if (failure.opensBreaker || failure.rebuild) {
    return {
      line: `cannot start: the database in DATABASE_URL cannot be reached (${reason(error)}); check its host and port, or start it`,
      exitCode: 1,
    };
  }
  return { line: `cannot start: ${reason(error)}`, exitCode: 1 };
}

/** The first line of the innermost message, with any connection URL cut out. */
function reason(error: unknown): string {
  let node: unknown = error;
  while (node instanceof Error && node.cause instanceof Error) node = node.cause;
  const text = node instanceof Error ? node.message : String(node);
  const code = typeof (node as { code?: unknown }).code === 'string' ? ` [${(node as { code: string }).code}]` : '';
  return `${(text.trim().split('\n')[0] ?? '').replace(/postgres(ql)?:\/\/\S+/g, '<DATABASE_URL>').slice(0, 200)}${code}`;
}
