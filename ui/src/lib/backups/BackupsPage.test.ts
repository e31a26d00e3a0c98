import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { BackendError, setBackend } from '../backend';
import { fakeBackend } from '../backend/fake';
import type { DestinationInfo, Progress } from '../bindings';
import BackupsPage from './BackupsPage.svelte';

const destination: DestinationInfo = {
  id: 'd-1',
  label: 'USB disk',
  config: { kind: 'local', path: '/media/usb' },
  keep_last: 7,
  created_at: '2026-11-21T12:00:00.000Z',
};

describe('BackupsPage', () => {
  it('shows the export progress by stage with bytes, and cancels', async () => {
    let report: ((p: Progress) => void) | null = null;
    let fail: ((e: unknown) => void) | null = null;
    let cancelled = false;
    setBackend(
      fakeBackend({
        destinationList: () => Promise.resolve([destination]),
        backupList: () => Promise.resolve([]),
        tenantSelf: () => Promise.reject(new BackendError('not_initialized', 'no home')),
        backupExport: (to, onProgress) => {
          expect(to).toEqual({ kind: 'destination', label: 'USB disk', name: null });
          report = onProgress;
          return new Promise((_, reject) => (fail = reject));
        },
        backupCancel: () => {
          cancelled = true;
          fail?.(new BackendError('cancelled', 'The backup was cancelled; nothing was left at the destination.'));
          return Promise.resolve();
        },
      }),
    );
    render(BackupsPage);
    await waitFor(() => expect((screen.getByTestId('export-to') as HTMLSelectElement).value).toBe('USB disk'));
    await fireEvent.click(screen.getByTestId('export-start'));
    await screen.findByTestId('operation-progress');
    report!({ stage: 'snapshot', done: 10, total: 10 });
    report!({ stage: 'pack', done: 1048576, total: 4194304 });
    await waitFor(() => expect(screen.getByTestId('operation-bytes').textContent).toContain('1.0 MiB of 4.0 MiB'));
    expect(screen.getByTestId('stage-snapshot').className).toContain('done');
    expect(screen.getByTestId('stage-pack').className).toContain('current');
    await fireEvent.click(screen.getByTestId('operation-cancel'));
    expect(cancelled).toBe(true);
    expect((await screen.findByTestId('backup-failure')).textContent).toContain('cancelled');
    expect(screen.queryByTestId('operation-progress')).toBeNull();
  });

  it('asks a member who is not unlocked to unlock, and shows nothing else', async () => {
    const locked = () => Promise.reject(new BackendError('locked', 'To see the backup destinations you must be unlocked; you are locked.'));
    setBackend(
      fakeBackend({
        destinationList: locked,
        backupList: locked,
        tenantSelf: () => Promise.reject(new BackendError('not_initialized', 'no home')),
      }),
    );
    render(BackupsPage);
    expect((await screen.findByTestId('backups-locked')).textContent).toContain('Unlock');
    expect(screen.queryByTestId('export')).toBeNull();
    expect(screen.queryByTestId('backup-failure')).toBeNull();
  });
});
