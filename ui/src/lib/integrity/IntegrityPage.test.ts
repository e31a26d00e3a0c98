import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { setBackend } from '../backend';
import { fakeBackend } from '../backend/fake';
import type { AgentIntegrity } from '../bindings';
import { selfAccess } from '../testing/fixtures';
import IntegrityPage from './IntegrityPage.svelte';

const drifted: AgentIntegrity = {
  agent: 'bot',
  workspace: '/ws',
  recorded_at: '2026-11-21T12:00:00.000Z',
  error: null,
  report: {
    agent: 'bot',
    workspace: '/ws',
    baseline_recorded_at: '2026-11-21T12:00:00.000Z',
    files_checked: 2,
    exit_code: 4,
    changes: [{ path: 'SOUL.md', kind: 'modified', changed: ['size', 'content'], old_sha256: 'sha256:a', new_sha256: 'sha256:b' }],
  },
};


describe('IntegrityPage', () => {
  it('shows the drift badge, the diff, and lets an owner accept', async () => {
    let accepted = '';
    let overview = [drifted];
    setBackend(
      fakeBackend({
        integrityOverview: () => Promise.resolve(overview),
        tenantSelf: () => Promise.resolve(selfAccess('owner')),
        integrityDiff: (_agent, path) =>
          Promise.resolve({
            path,
            baseline: 'Be kind.\n',
            current: 'Be kinder.\n',
            rows: [
              { kind: 'removed', old_line: 1, new_line: null, text: 'Be kind.' },
              { kind: 'added', old_line: null, new_line: 1, text: 'Be kinder.' },
            ],
          }),
        integrityAccept: (agent) => {
          accepted = agent;
          overview = [{ ...drifted, report: { ...drifted.report!, changes: [], exit_code: 0 } }];
          return Promise.resolve({ agent, workspace: '/ws', recorded_at: '2026-11-21T12:00:00.000Z', files: [], watch_list: [] });
        },
      }),
    );
    render(IntegrityPage);
    expect((await screen.findByTestId('drift-badge')).textContent).toBe('1 change');
    await fireEvent.click(screen.getByTestId('change-SOUL.md'));
    expect((await screen.findByTestId('diff-removed')).textContent).toBe('Be kind.');
    expect(screen.getByTestId('diff-added').textContent).toBe('Be kinder.');
    await fireEvent.click(screen.getByTestId('accept-bot'));
    await screen.findByTestId('integrity-notice');
    expect(accepted).toBe('bot');
    expect((await screen.findByTestId('drift-badge')).textContent).toBe('clean');
  });

  it('never offers accept to a customer', async () => {
    setBackend(
      fakeBackend({
        integrityOverview: () => Promise.resolve([drifted]),
        tenantSelf: () => Promise.resolve(selfAccess('customer')),
      }),
    );
    render(IntegrityPage);
    await screen.findByTestId('drift-badge');
    await screen.findByText('Only an owner or admin can accept a new baseline.');
    expect(screen.queryByTestId('accept-bot')).toBeNull();
  });
});
