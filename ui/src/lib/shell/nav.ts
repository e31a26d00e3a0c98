// The app's areas, in navigation order. The hash (`#/presets`) selects one.
export const areas = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'agents', label: 'Agents' },
  { id: 'integrity', label: 'Integrity' },
  { id: 'audit', label: 'Audit log' },
  { id: 'onboarding', label: 'Onboarding' },
  { id: 'presets', label: 'Presets' },
  { id: 'openclaw', label: 'OpenClaw' },
  { id: 'governance', label: 'Governance' },
  { id: 'backups', label: 'Backups' },
  { id: 'settings', label: 'Settings' },
] as const;

export type AreaId = (typeof areas)[number]['id'];

export function areaFromHash(hash: string): AreaId {
  const id = hash.replace(/^#\/?/, '');
  return areas.find((area) => area.id === id)?.id ?? 'dashboard';
}
