import type { SoakReport } from './summarizeSoak.ts';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The soak as one HTML page: the seed (and how to replay it), the violations, the schedule with
 * what each fault cost, and a timeline of the calls per second (ok, failed, unknown) under the
 * faults that ran. `replay`: the command that runs this seed again.
 */
export function soakReportHtml(report: SoakReport, replay = `--seed ${String(report.seed)}`): string {
  const { outcomes } = report;
  const verdict = report.violations.length === 0 ? '0 violations' : `${String(report.violations.length)} violations`;
  const kinds = Object.entries(report.faultsByKind)
    .map(([k, n]) => `${escape(k)} ${String(n)}`)
    .join(', ');
  const summary = [
    ['seed', `${String(report.seed)} (replay: <code>${escape(replay)}</code>)`],
    ['length', seconds(report.durationMs)],
    ['faults', `${String(report.faults.length)}: ${kinds || 'none'}`],
    [
      'calls',
      `${String(report.calls.length)}: ${String(outcomes.ok)} ok, ${String(outcomes.failed)} failed, ${String(outcomes.unknown)} unknown`,
    ],
    [
      'writes of unknown outcome',
      `${String(report.unknownWrites.total)}, of which the database holds ${String(report.unknownWrites.stored)}`,
    ],
    [
      'connections',
      report.peakConnections === undefined
        ? 'not counted'
        : `at most ${String(report.peakConnections)} (ceiling ${String(report.ceiling ?? '–')})`,
    ],
    ['longest without an OK answer', `${String(Math.round(report.longestWithoutOk.ms))} ms, from ${seconds(report.longestWithoutOk.from)}`],
    ['verdict', verdict],
  ];
  const violations =
    report.violations.length === 0
      ? '<p>None.</p>'
      : `<ol>${report.violations
          .slice(0, 200)
          .map((v) => `<li><b>${v.kind}</b> at ${v.at === undefined ? '–' : seconds(v.at)}: ${escape(v.message)}</li>`)
          .join('')}</ol>`;
  const rows = report.faults
    .map(
      (f) =>
        `<tr><td>${String(f.step.index)}</td><td>${escape(f.step.fault)}${f.step.overlapping ? ' (overlapping)' : ''}</td><td>${seconds(f.startedAt)}</td><td>${seconds(f.endedAt - f.startedAt)}</td><td>${f.firstSuccessMs === undefined ? 'never' : `${String(Math.round(f.firstSuccessMs))} ms`}</td><td>${String(f.failedCalls)}</td><td>${escape(f.error ?? '')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html><meta charset="utf-8"><title>Fault soak, seed ${String(report.seed)}</title>
<body style="font-family:sans-serif;max-width:1100px">
<h1>Fault soak: ${verdict}</h1>
<table>${summary.map(([k, v]) => `<tr><th style="text-align:left">${k ?? ''}</th><td>${v ?? ''}</td></tr>`).join('')}</table>
<h2>Violations</h2>${violations}
<h2>Calls not ok, by answer</h2>${failures(report)}
<h2>Timeline</h2>${timelineSvg(report)}
<h2>Schedule</h2>
<table border="1" cellpadding="3" style="border-collapse:collapse">
<tr><th>#</th><th>fault</th><th>started</th><th>lasted</th><th>first success after its start</th><th>calls not ok (during, +2 s; refusals by design aside)</th><th>injection error</th></tr>
${rows}
</table></body>
`;
}

function failures(report: SoakReport): string {
  const rows = Object.entries(report.failures);
  if (rows.length === 0) return '<p>None.</p>';
  return `<table border="1" cellpadding="3" style="border-collapse:collapse"><tr><th>calls</th><th>answer (status, message)</th></tr>${rows
    .slice(0, 30)
    .map(([text, n]) => `<tr><td>${String(n)}</td><td>${escape(text)}</td></tr>`)
    .join('')}</table>`;
}

function timelineSvg(report: SoakReport): string {
  const width = 1060;
  const lanes = [...new Set(report.faults.map((f) => f.step.fault))];
  const laneHeight = 14;
  const chartHeight = 120;
  const top = lanes.length * laneHeight + 10;
  const end = report.calls.reduce((most, c) => Math.max(most, c.end), report.durationMs);
  const x = (ms: number) => (ms / end) * width;
  const buckets = Math.max(1, Math.ceil(end / 1000));
  const counts = Array.from({ length: buckets }, () => ({ ok: 0, failed: 0, unknown: 0 }));
  for (const c of report.calls) {
    const bucket = counts[Math.min(buckets - 1, Math.floor(c.start / 1000))];
    if (bucket) bucket[c.outcome] += 1;
  }
  const most = Math.max(1, ...counts.map((b) => b.ok + b.failed + b.unknown));
  const w = width / buckets;
  const bars = counts
    .map((b, i) => {
      const h = (n: number) => (n / most) * chartHeight;
      const base = top + chartHeight;
      const okH = h(b.ok);
      const failH = h(b.failed);
      const unkH = h(b.unknown);
      return `<rect x="${(i * w).toFixed(1)}" y="${(base - okH).toFixed(1)}" width="${w.toFixed(1)}" height="${okH.toFixed(1)}" fill="#7c7"/>
<rect x="${(i * w).toFixed(1)}" y="${(base - okH - failH).toFixed(1)}" width="${w.toFixed(1)}" height="${failH.toFixed(1)}" fill="#d44"/>
<rect x="${(i * w).toFixed(1)}" y="${(base - okH - failH - unkH).toFixed(1)}" width="${w.toFixed(1)}" height="${unkH.toFixed(1)}" fill="#e90"/>`;
    })
    .join('\n');
  const spans = report.faults
    .map((f) => {
      const lane = lanes.indexOf(f.step.fault);
      return `<rect x="${x(f.startedAt).toFixed(1)}" y="${String(lane * laneHeight)}" width="${Math.max(1, x(f.endedAt) - x(f.startedAt)).toFixed(1)}" height="${String(laneHeight - 2)}" fill="#68c"><title>${escape(f.step.fault)} #${String(f.step.index)}</title></rect>`;
    })
    .join('\n');
  const labels = lanes.map((l, i) => `<text x="2" y="${String(i * laneHeight + 10)}" font-size="10">${escape(l)}</text>`).join('');
  const marks = report.violations
    .filter((v) => v.at !== undefined)
    .map(
      (v) =>
        `<line x1="${x(v.at ?? 0).toFixed(1)}" x2="${x(v.at ?? 0).toFixed(1)}" y1="0" y2="${String(top + chartHeight)}" stroke="#000"/>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${String(width)}" height="${String(top + chartHeight + 20)}">
${spans}${labels}${bars}${marks}
<text x="0" y="${String(top + chartHeight + 14)}" font-size="10">calls started per second: ok (green), failed (red), unknown (amber); faults above; black lines: violations. 0 to ${seconds(end)}.</text>
</svg>`;
}
