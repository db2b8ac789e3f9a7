import { spawn, type ChildProcess } from 'node:child_process';

// Servers and clients run as processes of their own, in their own process group,
// so that stopping one by its PID stops whatever it started.

export function startProcess(node: string, args: string[], env: Record<string, string>, cwd: string): ChildProcess {
  return spawn(node, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the first match of `pattern` in its output (`listening (\d+)`); rejects, with its last stderr, if it exits first. */
export function listening(child: ChildProcess, pattern: RegExp = /listening (\d+)/): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4_000)));
    let found = false;
    child.stdout?.on('data', (d: Buffer) => {
      // Once found, the output still flows (a full pipe would stop the child) but is kept no more.
      if (found) return;
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        found = true;
        out = '';
        resolve(m);
      }
    });
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited (${String(code)}): ${err}`)));
  });
}

/** SIGTERM to its group, SIGKILL after 5 s; returns once it has exited. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
