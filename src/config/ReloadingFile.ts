import { unwatchFile, watchFile, type Stats } from 'node:fs';

export interface ReloadingFileOptions {
  /** How often the file's modification time is checked. */
  readonly intervalMs: number;
  /** A new version is in force. */
  readonly onReload: (path: string) => void;
  /** A new version was refused (why, in one line); the one in force stays. */
  readonly onRefused: (path: string, why: string) => void;
}

/**
 * A file read at start and again whenever it changes (polled with fs.watchFile: editors, atomic
 * renames and config-map updates all change the modification time). `load` validates: at start its
 * error stops the service; later a file that fails keeps the version in force, and says why.
 */
export class ReloadingFile<T> {
  #current: T;
  readonly #path: string;
  readonly #listener: (now: Stats, before: Stats) => void;

  constructor(path: string, load: (path: string) => T, options: ReloadingFileOptions) {
    this.#path = path;
    this.#current = load(path);
    this.#listener = (now, before) => {
      if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
      try {
        this.#current = load(path);
        options.onReload(path);
      } catch (error) {
        options.onRefused(path, error instanceof Error ? error.message : String(error));
      }
    };
    // Not persistent: a watched file never keeps the process alive.
    watchFile(path, { interval: options.intervalMs, persistent: false }, this.#listener);
  }

  get current(): T {
    return this.#current;
  }

  close(): void {
    unwatchFile(this.#path, this.#listener);
  }
}
