// Unsaved edits anywhere in the app. Editors report whether they hold changes; the shell asks
// before navigating away or closing the window while any do.
const dirty = $state<Record<string, boolean>>({});

/** Editor `key` now has (or no longer has) unsaved changes. */
export function markUnsaved(key: string, hasChanges: boolean): void {
  if (hasChanges) dirty[key] = true;
  else delete dirty[key];
}

export function unsavedEditors(): string[] {
  return Object.keys(dirty);
}

/** Forget every unsaved change: the user chose to discard them. */
export function discardUnsaved(): void {
  for (const key of Object.keys(dirty)) delete dirty[key];
}
