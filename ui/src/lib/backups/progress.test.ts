import { describe, expect, it } from 'vitest';
import { ProgressTracker } from './progress';

describe('ProgressTracker', () => {
  it('reports bytes, the fraction and an ETA from the rate within the stage', () => {
    const tracker = new ProgressTracker();
    const start = tracker.update({ stage: 'pack', done: 0, total: 100 }, 1000);
    expect(start.fraction).toBe(0);
    expect(start.etaSecs).toBeNull();
    const half = tracker.update({ stage: 'pack', done: 50, total: 100 }, 3000);
    expect(half.fraction).toBe(0.5);
    expect(half.etaSecs).toBeCloseTo(2);
    // A new stage restarts the rate; an unknown total has no fraction or ETA.
    const verify = tracker.update({ stage: 'verify', done: 10, total: 0 }, 3500);
    expect(verify.fraction).toBeNull();
    expect(verify.etaSecs).toBeNull();
    expect(verify.stagesSeen).toEqual(['pack', 'verify']);
  });
});
