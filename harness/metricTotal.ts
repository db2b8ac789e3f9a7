/** The sum of one Prometheus metric over all its label sets, from a /metrics text page. */
export function metricTotal(page: string, name: string): number {
  let total = 0;
  for (const line of page.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.split(' ').at(-1));
  }
  return total;
}
