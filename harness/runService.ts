import { spawn, type ChildProcess } from 'node:child_process';

export interface ServiceRun {
  readonly code: number | null;
  readonly stderr: string;
  readonly stdout: string;
}

/**
 * `node src/main.ts` with `env` over this process's environment, to its exit; `onListening` is
 * called once it serves (to call it, or stop it), with what it wrote to stderr so far. For what the operator sees: exit codes and output.
 */
export function runService(env: Record<string, string>, onListening?: (proc: ChildProcess, stderr: string) => void): Promise<ServiceRun> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['src/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let listening = onListening;
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (listening && stderr.includes('listening on')) {
        listening(proc, stderr);
        listening = undefined;
      }
    });
    proc.on('exit', (code) => resolve({ code, stderr, stdout }));
  });
}
