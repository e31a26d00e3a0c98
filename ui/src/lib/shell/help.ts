// Where the user guide's pages are: the app serves the built guide offline on its own `guide:`
// scheme (src-tauri `guide_protocol.rs`); each error code has the entry
// `troubleshooting.html#<code>`, which the guide's build checks for every code.
import { convertFileSrc } from '@tauri-apps/api/core';

/** The URL of the guide's start page, or of the entry for `code`. `toUrl` maps a page to its
 * URL on the `guide:` scheme (Tauri's `convertFileSrc`; tests pass their own). */
export function guideUrl(code: string | null, toUrl: (page: string) => string = (page) => convertFileSrc(page, 'guide')): string {
  return code === null ? toUrl('index.html') : `${toUrl('troubleshooting.html')}#${code}`;
}
