import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Whether a Docker engine answers here (the failover suite needs one). */
export async function dockerAvailable(): Promise<boolean> {
  try {
    await promisify(execFile)('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
