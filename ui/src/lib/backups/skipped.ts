// Why an export left a file of the tenant's folder out, in words (the core's `SkipReason`; a
// new reason fails svelte-check here until it is described).
import type { SkipReason, SkippedFile } from '../bindings';

export const SKIP_REASONS: Record<SkipReason, string> = {
  symlink: 'a symbolic link; backups never follow links',
  fifo: 'a named pipe, not a regular file',
  socket: 'a socket, not a regular file',
  device: 'a device, not a regular file',
  name_not_utf8: 'its name is not UTF-8 text',
  name_too_long: 'its name is longer than 255 bytes',
  path_too_long: 'its path is longer than 4096 bytes',
  too_deep: 'it is more than 256 folders deep',
  name_refused: 'its name cannot be restored on this system',
};

export function describeSkipped(file: SkippedFile): string {
  return `skipped ${file.path} (${SKIP_REASONS[file.reason]})`;
}
