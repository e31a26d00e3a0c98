import { describe, expect, it } from 'vitest';
import { tabKeyTarget } from './tabs';

describe('tabKeyTarget', () => {
  const ids = ['a', 'b', 'c'];
  it('moves with the arrows, wrapping, and jumps with Home and End', () => {
    expect(tabKeyTarget('ArrowRight', ids, 'a')).toBe('b');
    expect(tabKeyTarget('ArrowRight', ids, 'c')).toBe('a');
    expect(tabKeyTarget('ArrowLeft', ids, 'a')).toBe('c');
    expect(tabKeyTarget('Home', ids, 'c')).toBe('a');
    expect(tabKeyTarget('End', ids, 'a')).toBe('c');
  });
  it('ignores other keys and unknown tabs', () => {
    expect(tabKeyTarget('ArrowDown', ids, 'a')).toBeNull();
    expect(tabKeyTarget('Enter', ids, 'a')).toBeNull();
    expect(tabKeyTarget('ArrowRight', ids, 'z')).toBeNull();
  });
});
