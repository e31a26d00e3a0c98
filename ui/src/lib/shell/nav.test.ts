import { describe, expect, it } from 'vitest';
import { areaFromHash, areas, helpTopicFromHash } from './nav';

describe('areaFromHash', () => {
  it.each([
    ['', 'dashboard'],
    ['#/', 'dashboard'],
    ['#/presets', 'presets'],
    ['#backups', 'backups'],
    ['#/nowhere', 'dashboard'],
    ['#/help/not_found', 'help'],
  ])('%s selects %s', (hash, area) => {
    expect(areaFromHash(hash)).toBe(area);
  });

  it('lists the areas in order', () => {
    expect(areas.map((a) => a.id)).toEqual(['dashboard', 'agents', 'integrity', 'audit', 'onboarding', 'presets', 'openclaw', 'governance', 'backups', 'settings', 'help']);
  });

  it('reads an error code from a Help link, and nothing else', () => {
    expect(helpTopicFromHash('#/help/quota_exceeded')).toBe('quota_exceeded');
    expect(helpTopicFromHash('#/help')).toBeNull();
    expect(helpTopicFromHash('#/help/../x')).toBeNull();
  });
});
