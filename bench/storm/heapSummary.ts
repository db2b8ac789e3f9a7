// What a heap snapshot holds, by kind: `node bench/storm/heapSummary.ts Heap.…heapsnapshot`.
// Take one from a running service with NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2 and `kill -USR2`.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: node bench/storm/heapSummary.ts <file.heapsnapshot>');
const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const fields = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
const bySize = new Map<string, { size: number; count: number }>();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += fields.length) {
  const type = types[snap.nodes[i + (typeAt ?? 0)] ?? 0] ?? '?';
  const name = type === 'object' || type === 'native' ? (snap.strings[snap.nodes[i + (nameAt ?? 1)] ?? 0] ?? '?') : `(${type})`;
  const size = snap.nodes[i + (sizeAt ?? 3)] ?? 0;
  total += size;
  const entry = bySize.get(name) ?? { size: 0, count: 0 };
  entry.size += size;
  entry.count += 1;
  bySize.set(name, entry);
}
console.log(`heap: ${(total / 1048576).toFixed(1)} MB`);
for (const [name, { size, count }] of [...bySize].sort((a, b) => b[1].size - a[1].size).slice(0, 12))
  console.log(`${(size / 1048576).toFixed(1).padStart(8)} MB  ${String(count).padStart(8)}  ${name.slice(0, 80)}`);
