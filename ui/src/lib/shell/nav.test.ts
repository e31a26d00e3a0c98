import { describe, expect, it } from 'vitest';
import { areaFromHash, areas } from './nav';

describe('areaFromHash', () => {
  it.each([
    ['', 'dashboard'],
    ['#/', 'dashboard'],
    ['#/presets', 'presets'],
    ['#backups', 'backups'],
    ['#/nowhere', 'dashboard'],
  ])('%s selects %s', (hash, area) => {
    expect(areaFromHash(hash)).toBe(area);
  });

  it('lists the areas in order', () => {
    expect(areas.map((a) => a.id)).toEqual(['dashboard', 'agents', 'integrity', 'audit', 'onboarding', 'presets', 'openclaw', 'governance', 'backups', 'settings']);
  });
});
