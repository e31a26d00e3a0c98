// Progress of a long backup operation as the UI shows it: the stage, bytes, and an ETA from the
// rate seen so far in the current stage.
import type { Progress, Stage } from '../bindings';

export const EXPORT_STAGES: Stage[] = ['snapshot', 'pack', 'encrypt', 'upload', 'verify'];

export const STAGE_LABELS: Record<Stage, string> = {
  snapshot: 'Snapshot',
  pack: 'Pack',
  encrypt: 'Encrypt',
  upload: 'Upload',
  verify: 'Verify',
  restore: 'Restore',
};

export interface ProgressView {
  stage: Stage;
  done: number;
  total: number;
  /** 0..1, or null when the total is unknown. */
  fraction: number | null;
  /** Seconds left in this stage, or null until there is a rate to go by. */
  etaSecs: number | null;
  stagesSeen: Stage[];
}

export class ProgressTracker {
  private stageStartedAt = 0;
  private stagesSeen: Stage[] = [];
  private current: Stage | null = null;

  update(progress: Progress, nowMs: number): ProgressView {
    if (progress.stage !== this.current) {
      this.current = progress.stage;
      this.stageStartedAt = nowMs;
      if (!this.stagesSeen.includes(progress.stage)) this.stagesSeen = [...this.stagesSeen, progress.stage];
    }
    const elapsedSecs = (nowMs - this.stageStartedAt) / 1000;
    const known = progress.total > 0;
    const rate = elapsedSecs > 0.2 ? progress.done / elapsedSecs : 0;
    return {
      stage: progress.stage,
      done: progress.done,
      total: progress.total,
      fraction: known ? Math.min(1, progress.done / progress.total) : null,
      etaSecs: known && rate > 0 ? Math.max(0, (progress.total - progress.done) / rate) : null,
      stagesSeen: this.stagesSeen,
    };
  }
}
