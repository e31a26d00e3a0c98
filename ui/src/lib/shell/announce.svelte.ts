// One polite live region for status changes that happen away from where focus is (export
// progress, validation results, drift alerts; WCAG 2.2 4.1.3 Status Messages). The shell
// renders `announcement.text` inside an `aria-live="polite"` region that is always in the
// document, so screen readers hear each new text once.

export const announcement = $state({ text: '' });

// The last text each source announced: a source repeats itself only when its news changes.
const lastBySource = new Map<string, string>();

/** Announces `text` on behalf of `source` (a stable name such as `preset-validation`), unless
 * it is what that source said last. */
export function announce(source: string, text: string): void {
  if (lastBySource.get(source) === text) return;
  lastBySource.set(source, text);
  announcement.text = text;
}

/** What a validation result says aloud: `The spec has no problems.`, `The preset has 2 problems.` */
export function validationNews(problems: number, what: string): string {
  if (problems === 0) return `The ${what} has no problems.`;
  return `The ${what} has ${problems} ${problems === 1 ? 'problem' : 'problems'}.`;
}
