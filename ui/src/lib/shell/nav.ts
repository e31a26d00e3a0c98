// The app's areas, in navigation order. The hash (`#/presets`) selects one; `#/help/<code>`
// opens the guide at an error code's troubleshooting entry.
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
  { id: 'help', label: 'Help' },
] as const;

export type AreaId = (typeof areas)[number]['id'];

export function areaFromHash(hash: string): AreaId {
  const id = hash.replace(/^#\/?/, '').split('/')[0];
  return areas.find((area) => area.id === id)?.id ?? 'dashboard';
}

/** The guide topic a Help link names: an error code (`#/help/not_found`), or null for the
 * guide's start page. */
export function helpTopicFromHash(hash: string): string | null {
  const match = /^#\/?help\/([a-z0-9_]+)$/.exec(hash);
  return match?.[1] ?? null;
}
