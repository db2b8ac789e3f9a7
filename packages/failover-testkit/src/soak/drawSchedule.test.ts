import { describe, expect, it } from 'vitest';
import { drawSchedule } from './drawSchedule.ts';
import { SoakRandom } from './SoakRandom.ts';
import type { SoakFault } from './soakTypes.ts';

const fault = (name: string, overlaps = false): SoakFault => ({ name, overlaps, inject: () => Promise.resolve() });
const FAULTS = [fault('swap'), fault('terminate-all', true), fault('blackhole', true), fault('burst', true)];

describe('drawSchedule', () => {
  it('draws the same schedule from the same seed, and another from another seed', () => {
    const a = drawSchedule(new SoakRandom(7), FAULTS, 120_000);
    expect(drawSchedule(new SoakRandom(7), FAULTS, 120_000)).toEqual(a);
    expect(drawSchedule(new SoakRandom(8), FAULTS, 120_000)).not.toEqual(a);
    expect(a.length).toBeGreaterThan(10);
  });

  it('draws every kind, in the soak, and overlaps only faults that may overlap', () => {
    const steps = drawSchedule(new SoakRandom(20261203), FAULTS, 600_000);
    expect(new Set(steps.map((s) => s.fault))).toEqual(new Set(FAULTS.map((f) => f.name)));
    expect(steps.every((s) => s.at >= 0 && s.at < 600_000)).toBe(true);
    const overlapping = steps.filter((s) => s.overlapping);
    expect(overlapping.length).toBeGreaterThan(0);
    for (const s of overlapping) {
      expect(s.fault).not.toBe('swap');
      expect(steps[s.index - 1]?.fault).not.toBe('swap');
    }
  });
});
