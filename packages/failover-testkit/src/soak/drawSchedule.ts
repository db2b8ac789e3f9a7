import type { SoakRandom } from './SoakRandom.ts';
import type { SoakFault, SoakStep } from './soakTypes.ts';

export interface ScheduleOptions {
  /** Quiet time between one fault's planned end and the next one's start. */
  readonly gapMs?: readonly [number, number];
  /** How often a fault that may overlap is drawn to start inside the one before (when that one may too). */
  readonly overlapChance?: number;
}

const DEFAULT_HOLD = [500, 3_000] as const;

/**
 * The faults of a soak of `durationMs`, drawn from `random`: which, when, held how long, and which
 * start while another still runs. Pure: the same seed gives the same schedule.
 */
export function drawSchedule(
  random: SoakRandom,
  faults: readonly SoakFault[],
  durationMs: number,
  options: ScheduleOptions = {},
): SoakStep[] {
  if (faults.length === 0) return [];
  const [gapMin, gapMax] = options.gapMs ?? [1_000, 4_000];
  const overlapChance = options.overlapChance ?? 0.3;
  const byName = new Map(faults.map((f) => [f.name, f]));
  const steps: SoakStep[] = [];
  let t = random.int(gapMin, gapMax);
  while (t < durationMs) {
    const fault = random.pick(faults, (f) => f.weight ?? 1);
    const [holdMin, holdMax] = fault.holdMs ?? DEFAULT_HOLD;
    const holdMs = random.int(holdMin, holdMax);
    const previous = steps.at(-1);
    const overlapping =
      previous !== undefined && fault.overlaps === true && byName.get(previous.fault)?.overlaps === true && random.chance(overlapChance);
    const at = overlapping ? previous.at + random.int(0, previous.holdMs) : t;
    steps.push({ index: steps.length, at, fault: fault.name, holdMs, overlapping });
    t = Math.max(t, at + holdMs) + random.int(gapMin, gapMax);
  }
  return steps;
}
