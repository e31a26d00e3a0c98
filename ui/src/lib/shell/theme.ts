// The colour theme follows the OS setting (`prefers-color-scheme`), live: the stylesheet keys
// its dark palette on <html data-theme="dark">, so one attribute switches every colour.

/** Sets `data-theme` on `root` from the OS setting now and whenever it changes. */
export function followColorScheme(root: HTMLElement, media: MediaQueryList = window.matchMedia('(prefers-color-scheme: dark)')): void {
  const apply = () => (root.dataset.theme = media.matches ? 'dark' : 'light');
  apply();
  media.addEventListener('change', apply);
}
