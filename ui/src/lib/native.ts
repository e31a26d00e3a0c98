// The OS's own dialogs and notifications, through the Tauri plugins. Outside the app (unit
// tests, a plain browser) they are unavailable and the UI falls back to typed paths.
import { open, save } from '@tauri-apps/plugin-dialog';
import { isPermissionGranted, requestPermission, sendNotification } from '@tauri-apps/plugin-notification';

function inApp(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/** A folder the user picks, or null when they cancel or no native dialog exists. */
export async function pickFolder(title: string): Promise<string | null> {
  if (!inApp()) return null;
  const chosen = await open({ directory: true, multiple: false, title });
  return typeof chosen === 'string' ? chosen : null;
}

/** A file path to save to, or null when they cancel or no native dialog exists. */
export async function pickSaveFile(title: string, defaultPath: string): Promise<string | null> {
  if (!inApp()) return null;
  return (await save({ title, defaultPath })) ?? null;
}

export function nativeDialogs(): boolean {
  return inApp();
}

/** Shows an OS notification; false when the app may not (no permission, not in the app). */
export async function notify(title: string, body: string): Promise<boolean> {
  if (!inApp()) return false;
  let granted = await isPermissionGranted();
  if (!granted) granted = (await requestPermission()) === 'granted';
  if (granted) sendNotification({ title, body });
  return granted;
}
