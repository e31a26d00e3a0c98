// How a preset's state reads in the list.
import type { PresetSummary } from '../bindings';

export function statusOf(preset: PresetSummary): string {
  const parts: string[] = [];
  if (preset.lifecycle === 'deprecated') parts.push('deprecated');
  if (preset.latest_published !== null) parts.push(`v${preset.latest_published} published`);
  if (preset.draft !== null) parts.push(`draft v${preset.draft}`);
  return parts.join(' · ') || 'empty';
}
