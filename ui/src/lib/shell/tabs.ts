// The keyboard of the WAI-ARIA tabs pattern (APG "Tabs with Automatic Activation"): Left and
// Right move to the previous and next tab, wrapping; Home and End to the first and last. The
// selected tab is the only one in the Tab order (`tabindex` 0, the others -1).

/** The tab `key` moves to from `current` among `ids`, or null when the key is not a tab key. */
export function tabKeyTarget(key: string, ids: readonly string[], current: string): string | null {
  const at = ids.indexOf(current);
  if (at === -1 || ids.length === 0) return null;
  switch (key) {
    case 'ArrowRight':
      return ids[(at + 1) % ids.length] ?? null;
    case 'ArrowLeft':
      return ids[(at - 1 + ids.length) % ids.length] ?? null;
    case 'Home':
      return ids[0] ?? null;
    case 'End':
      return ids[ids.length - 1] ?? null;
    default:
      return null;
  }
}

/** Handles a keydown on a tablist: selects the target tab through `select` and moves focus
 * to its element, found as `#${idPrefix}-${id}` once the UI has updated. */
export function onTabKeydown(
  event: KeyboardEvent,
  ids: readonly string[],
  current: string,
  idPrefix: string,
  select: (id: string) => void,
): void {
  const target = tabKeyTarget(event.key, ids, current);
  if (target === null) return;
  event.preventDefault();
  select(target);
  queueMicrotask(() => document.getElementById(`${idPrefix}-${target}`)?.focus());
}
