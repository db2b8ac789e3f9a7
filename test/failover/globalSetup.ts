import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FAILOVER_LABEL } from '@pos-masterdata/failover-testkit';

const run = promisify(execFile);

/** Nothing is left running after the suite, even if a test process died mid-way (Ryuk is off here). */
export default function setup(): () => Promise<void> {
  return async () => {
    try {
      const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=${FAILOVER_LABEL}=true`]);
      const ids = stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await run('docker', ['rm', '-f', ...ids]);
    } catch {
      // no Docker: nothing was started
    }
  };
}
