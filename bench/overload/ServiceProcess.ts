import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { metricTotal } from '../../harness/metricTotal.ts';

/** The item service in a process (and process group) of its own, as in production. */
export class ServiceProcess implements AsyncDisposable {
  readonly target: string;
  readonly #metricsUrl: string;
  readonly #proc: ChildProcess;

  private constructor(proc: ChildProcess, target: string, metricsPort: string) {
    this.#proc = proc;
    this.target = target;
    this.#metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  }

  /** With `logFile`, the service's warnings and errors (JSON lines) go there. */
  static async start(env: Record<string, string>, logFile?: string): Promise<ServiceProcess> {
    const proc = spawn(process.execPath, ['src/main.ts'], {
      env: { ...process.env, GRPC_PORT: '0', METRICS_PORT: '0', LOG_LEVEL: logFile ? 'warn' : 'error', ...env },
      stdio: ['ignore', logFile ? openSync(logFile, 'a') : 'ignore', 'pipe'],
      detached: true,
    });
    let banner = '';
    const [target, metricsPort] = await new Promise<[string, string]>((resolve, reject) => {
      proc.stderr?.on('data', (d: Buffer) => {
        banner += d.toString();
        const listen = /listening on (\S+) /.exec(banner);
        const metrics = /Metrics: http:\/\/[^:]+:(\d+)\//.exec(banner);
        if (listen?.[1] && metrics?.[1]) resolve([listen[1], metrics[1]]);
      });
      proc.on('exit', (code) => reject(new Error(`the service exited with ${String(code)}: ${banner.slice(-500)}`)));
    });
    proc.stderr?.resume();
    return new ServiceProcess(proc, target, metricsPort);
  }

  /** Resident memory of the service process (MB). */
  rssMb(): number {
    const status = readFileSync(`/proc/${String(this.#proc.pid)}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }

  /** Sum of a Prometheus counter over all its labels. */
  async counter(name: string): Promise<number> {
    return metricTotal(await (await fetch(this.#metricsUrl)).text(), name);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.pid === undefined) return;
    const exited = new Promise((r) => this.#proc.once('exit', r));
    process.kill(-this.#proc.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (this.#proc.exitCode === null) process.kill(-this.#proc.pid, 'SIGKILL');
  }
}
