import { status as Status } from '@grpc/grpc-js';
import type { DrillResult } from '../../harness/failover/runDrill.ts';

const W = 900;
const H = 220;
const PAD = { left: 56, right: 16, top: 28, bottom: 36 };

/** One panel: every call as a dot (time, latency), errors in red on top, the incident marked. */
export function renderPanel(title: string, r: DrillResult, deadlineMs: number, yOffset: number): string {
  const end = Math.max(...r.records.map((x) => x.start + x.latencyMs));
  const x = (ms: number) => PAD.left + (ms / end) * (W - PAD.left - PAD.right);
  const top = yOffset + PAD.top;
  const bottom = yOffset + H - PAD.bottom;
  // Log scale from 0.5 ms to the deadline: normal calls and stalled ones both stay readable.
  const y = (ms: number) => bottom - (Math.log10(Math.max(ms, 0.5) / 0.5) / Math.log10(deadlineMs / 0.5)) * (bottom - top);
  const dots = r.records.map((c) => {
    const fail = c.code !== Status.OK;
    const colour = fail ? '#d62728' : c.op === 'write' ? '#1f77b4' : '#9a9a9a';
    return `<circle cx="${x(c.start + c.latencyMs).toFixed(1)}" cy="${(fail ? top + 4 : y(c.latencyMs)).toFixed(1)}" r="${fail ? 2.2 : 1.3}" fill="${colour}" fill-opacity="${fail ? 0.9 : 0.45}"/>`;
  });
  // Labels step upwards so events close together stay readable.
  const marks = r.events
    .filter((e) => e.name !== 'cluster ready')
    .map(
      (e, i) =>
        `<line x1="${x(e.at).toFixed(1)}" x2="${x(e.at).toFixed(1)}" y1="${top}" y2="${bottom}" stroke="#444" stroke-dasharray="4 3"/>` +
        `<text x="${(x(e.at) + 4).toFixed(1)}" y="${bottom - 4 - i * 12}" font-size="10" fill="#444">${escape(e.name)}</text>`,
    );
  const ticks = [1, 10, 100, 1000]
    .filter((t) => t < deadlineMs)
    .map(
      (t) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#eee"/><text x="${PAD.left - 6}" y="${(y(t) + 3).toFixed(1)}" font-size="10" text-anchor="end">${t} ms</text>`,
    );
  const seconds = Array.from(
    { length: Math.floor(end / 1000) + 1 },
    (_, s) => `<text x="${x(s * 1000).toFixed(1)}" y="${bottom + 14}" font-size="10" text-anchor="middle">${s}s</text>`,
  );
  const errors = r.records.filter((c) => c.code !== Status.OK).length;
  return [
    `<text x="${PAD.left}" y="${yOffset + 16}" font-size="13" font-weight="bold">${escape(title)} — ${r.records.length} calls, ${errors} errors</text>`,
    `<text x="${PAD.left}" y="${top + 4}" font-size="9" fill="#d62728" text-anchor="end" dx="-6">errors</text>`,
    ...ticks,
    ...seconds,
    ...dots,
    ...marks,
    `<rect x="${PAD.left}" y="${top}" width="${W - PAD.left - PAD.right}" height="${bottom - top}" fill="none" stroke="#999"/>`,
  ].join('\n');
}

export function renderTimelineSvg(panels: [string, DrillResult][], deadlineMs: number): string {
  const body = panels.map(([title, r], i) => renderPanel(title, r, deadlineMs, i * H)).join('\n');
  const legend = `<text x="${PAD.left}" y="${panels.length * H + 14}" font-size="11"><tspan fill="#9a9a9a">● read OK</tspan>   <tspan fill="#1f77b4">● write OK</tspan>   <tspan fill="#d62728">● failed call</tspan>   latency on a log scale up to the ${deadlineMs} ms deadline</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${panels.length * H + 24}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n${legend}\n</svg>\n`;
}

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
