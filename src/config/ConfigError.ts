/** A setting the service cannot start with; its message is one line naming the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
