// Opens gRPC streams that send their headers and never their request (half-open), spread over
// a few HTTP/2 connections, and reports what the server did with them. A process of its own.
// Usage: node bench/overload/halfOpenStreams.ts '<json {target, streams, connections, holdMs}>'
import http2 from 'node:http2';

interface Plan {
  readonly target: string;
  readonly streams: number;
  readonly connections: number;
  /** How long to keep watching (longer than the server's message timeout). */
  readonly holdMs: number;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
const outcome: Record<string, number> = {};
const count = (key: string) => {
  outcome[key] = (outcome[key] ?? 0) + 1;
};
const sessions = Array.from({ length: plan.connections }, () => {
  const session = http2.connect(`http://${plan.target}`);
  session.on('error', () => undefined);
  return session;
});
let open = 0;
let answered = 0;
const firstAnswer: number[] = [];
const t0 = performance.now();
for (let i = 0; i < plan.streams; i++) {
  const session = sessions[i % sessions.length];
  if (!session) break;
  const stream = session.request(
    {
      ':method': 'POST',
      ':path': '/masterdata.v1.ItemService/GetItemDetail',
      'content-type': 'application/grpc',
      te: 'trailers',
    },
    { endStream: false },
  );
  open += 1;
  let settled = false;
  const settle = (key: string) => {
    if (settled) return;
    settled = true;
    open -= 1;
    answered += 1;
    firstAnswer.push(performance.now() - t0);
    count(key);
  };
  stream.on('response', (headers) => {
    const s = headers['grpc-status'];
    if (s !== undefined) settle(`grpc-status ${String(s)}`);
  });
  stream.on('trailers', (trailers: http2.IncomingHttpHeaders) => settle(`grpc-status ${String(trailers['grpc-status'])}`));
  stream.on('error', (e: Error & { code?: string }) => settle(`stream error ${e.code ?? e.message}`));
  stream.on('close', () => settle(`closed (rst ${stream.rstCode})`));
}
await new Promise((r) => setTimeout(r, plan.holdMs));
const stillOpen = open;
for (const s of sessions) s.destroy();
firstAnswer.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({ outcome, stillOpen, answered, medianAnswerMs: firstAnswer[Math.floor(firstAnswer.length / 2)] ?? null })}\n`,
);
