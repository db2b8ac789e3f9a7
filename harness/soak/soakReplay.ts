/** The command that runs a soak again: the seed, the length and the flags that chose its topology. */
export function soakReplay(seed: number, minutes: number, options: { pgbouncer?: boolean; resilience?: boolean } = {}): string {
  const flags = [options.pgbouncer === true ? ' --pgbouncer' : '', options.resilience === false ? ' --resilience-off' : ''].join('');
  return `npm run soak -- --seed ${String(seed)} --minutes ${String(minutes)}${flags}`;
}
