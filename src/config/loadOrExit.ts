import { ConfigError } from './config.ts';

/**
 * An entry point's configuration, or one line naming the bad setting and exit code 2: a
 * configuration error is the operator's to fix, never a stack trace.
 */
export function loadOrExit<T>(load: (env: Record<string, string | undefined>) => T, env: Record<string, string | undefined>): T {
  try {
    return load(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${error.message} (see the configuration table in README.md)`);
    process.exit(2);
  }
}
