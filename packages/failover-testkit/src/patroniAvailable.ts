import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's patroni and etcd-server packages are installed (the Patroni suite runs them as host processes). */
export async function patroniAvailable(): Promise<boolean> {
  try {
    await Promise.all([run('patroni', ['--version']), run('etcd', ['--version']), run('patronictl', ['version'])]);
    return true;
  } catch {
    return false;
  }
}
