// The acting member's self-access context, shared by the shell and every page. Pages call
// `refreshSession()` after an action that changes it (unlock, switch, install, break-glass).
import { backend, BackendError } from '../backend';
import type { SelfAccess } from '../bindings';

export const session = $state<{ context: SelfAccess | null; error: BackendError | null; version: number }>({
  context: null,
  error: null,
  version: 0,
});

export async function refreshSession(): Promise<void> {
  try {
    session.context = await backend().tenantSelf();
    session.error = null;
  } catch (error) {
    session.context = null;
    session.error = error instanceof BackendError ? error : new BackendError('unknown', String(error));
  }
  session.version += 1;
}

/** What to press, by error code: the core's messages speak of the domain, the UI adds its hint. */
const HINTS: Record<string, string> = {
  locked: 'Use "Unlock…" next to "Acting as" at the top.',
  not_a_data_folder: 'Tick "Move its files aside" to restore there anyway.',
  quota_exceeded: 'The owner changes the tier on the Governance page, under the quota meters.',
};

// The code behind each message `explain` made, so that `ErrorMessage.svelte` can link the message
// to its troubleshooting entry; bounded, the oldest forgotten first.
const codes = new Map<string, string>();
const REMEMBERED_CODES = 200;

export function explain(error: unknown): string {
  if (!(error instanceof BackendError)) return String(error);
  const hint = HINTS[error.code];
  const message = hint ? `${error.message} ${hint}` : error.message;
  codes.delete(message);
  codes.set(message, error.code);
  if (codes.size > REMEMBERED_CODES) codes.delete(codes.keys().next().value ?? '');
  return message;
}

/** The error code of a message `explain` made, or null (a message of the UI's own). */
export function codeOfMessage(message: string): string | null {
  return codes.get(message) ?? null;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(totalSecs: number): string {
  const secs = Math.max(0, Math.floor(totalSecs));
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s).padStart(2, '0')}s`;
}
