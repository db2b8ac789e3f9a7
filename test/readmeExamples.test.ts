import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// A package's README code is what a user copies: `npm run typecheck:examples` compiles each
// package's examples/, and this checks that the README shows that compiled code and nothing else.
// Each ```ts block, in chunks between blank lines (a snippet may leave out what surrounds it),
// must stand in one of the package's examples, letter for letter but for white space.

const squash = (text: string) => text.replace(/\s+/g, '');

const packages = readdirSync('packages').filter((name) => readdirSync(join('packages', name)).includes('examples'));

describe("each package README's TypeScript is its compiled examples", () => {
  it.each(packages)('%s', (name) => {
    const dir = join('packages', name);
    const examples = readdirSync(join(dir, 'examples'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => squash(readFileSync(join(dir, 'examples', f), 'utf8')));
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(blocks.length).toBeGreaterThan(0);
    const chunks = blocks.flatMap((block) => block.split(/\n\s*\n/)).filter((chunk) => chunk.trim() !== '');
    const missing = chunks.filter((chunk) => !examples.some((example) => example.includes(squash(chunk))));
    expect(missing, `README.md of ${name}: not in examples/*.ts (compiled by npm run typecheck:examples)`).toEqual([]);
  });
});
