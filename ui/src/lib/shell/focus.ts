// Focus for content that replaces what had focus (WCAG 2.2 2.4.3 Focus Order): the wizard's
// summary after the last answer, the result after accepting, the restore form once its
// preview has loaded. Without it, focus falls back to <body> and a keyboard user starts over.

/** A Svelte action: focuses the element once it is in the document. Headings need
 * `tabindex="-1"` to take focus. */
export function focusOnMount(node: HTMLElement): void {
  queueMicrotask(() => node.focus());
}
