import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { setBackend } from '../backend';
import { fakeBackend } from '../backend/fake';
import type { AgentIntegrity, FileReview, FileVersion, IntegrityPage as Page } from '../bindings';
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

const noFiles: Page = { agents: [], enforcement: 'observe', history_bytes: 0 };

const version = (sha256: string, source: FileVersion['source']): FileVersion => ({
  agent: 'bot',
  path: 'SOUL.md',
  sha256,
  size: 9,
  source,
  actor: 'system',
  recorded_at: '2026-11-21T12:00:00.000Z',
  kept: true,
});

const review: FileReview = {
  change_id: 'c-1',
  agent: 'bot',
  path: 'SOUL.md',
  policy: 'review',
  state: 'submitted',
  old_sha256: 'sha256:a',
  new_sha256: 'sha256:b',
  diff: {
    path: 'SOUL.md',
    baseline: 'Be kind.\n',
    current: 'Be kinder.\n',
    rows: [
      { kind: 'removed', old_line: 1, new_line: null, text: 'Be kind.' },
      { kind: 'added', old_line: null, new_line: 1, text: 'Be kinder.' },
    ],
  },
  plan_before: 'sha256:p1',
  plan_after: 'sha256:p2',
  sections_changed: ['persona'],
  opened_at: '2026-11-21T12:00:00.000Z',
  updated_at: '2026-11-21T12:00:00.000Z',
};

function filesPage(reviews: FileReview[], enforcement: Page['enforcement'] = 'observe'): Page {
  return {
    enforcement,
    history_bytes: 120,
    agents: [
      {
        agent: 'bot',
        workspace: '/ws',
        preset: 'helper@v1',
        error: null,
        warning: null,
        reviews,
        files: [
          {
            path: 'SOUL.md',
            policy: 'review',
            rule: 'SOUL.md',
            approved_sha256: 'sha256:a',
            current_sha256: 'sha256:b',
            status: 'changed',
            versions: [version('sha256:b', 'agent_edit'), version('sha256:a', 'apply')],
            review: reviews[0]?.change_id ?? null,
          },
          {
            path: 'IDENTITY.md',
            policy: 'locked',
            rule: 'IDENTITY.md',
            approved_sha256: 'sha256:c',
            current_sha256: 'sha256:d',
            status: 'changed',
            versions: [],
            review: null,
          },
        ],
      },
    ],
  };
}

describe('IntegrityPage', () => {
  it('shows the drift badge, the diff, and lets an owner accept', async () => {
    let accepted = '';
    let overview = [drifted];
    setBackend(
      fakeBackend({
        integrityOverview: () => Promise.resolve(overview),
        integrityPage: () => Promise.resolve(noFiles),
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

  it('never offers accept to a customer, and says where the walk of the patterns stopped', async () => {
    const walked = filesPage([review]);
    const page = { ...walked, agents: walked.agents.map((a) => ({ ...a, warning: 'the walk of the policy patterns stopped at 8 folders deep' })) };
    setBackend(
      fakeBackend({
        integrityOverview: () => Promise.resolve([drifted]),
        integrityPage: () => Promise.resolve(page),
        tenantSelf: () => Promise.resolve(selfAccess('customer')),
      }),
    );
    render(IntegrityPage);
    await screen.findByTestId('drift-badge');
    await screen.findByTestId('review-bot-SOUL.md');
    expect(screen.queryByTestId('review-reject-bot-SOUL.md')).toBeNull();
    await screen.findByText('Only an owner or admin can accept a new baseline.');
    expect(screen.queryByTestId('accept-bot')).toBeNull();
    expect(screen.getByTestId('walk-warning-bot').textContent).toContain('8 folders deep');
  });

  it('shows a pending review with its plan change, and rejects it', async () => {
    let decided: [string, boolean, boolean] | null = null;
    let reviews = [review];
    setBackend(
      fakeBackend({
        integrityOverview: () => Promise.resolve([drifted]),
        integrityPage: () => Promise.resolve(filesPage(reviews)),
        tenantSelf: () => Promise.resolve(selfAccess('owner')),
        integrityDecide: (id, approve, saveAsDraft) => {
          decided = [id, approve, saveAsDraft];
          reviews = [];
          return Promise.resolve({ review: { ...review, state: 'rejected' }, draft: null, draft_notice: null });
        },
      }),
    );
    render(IntegrityPage);
    const card = await screen.findByTestId('review-bot-SOUL.md');
    expect(card.textContent).toContain('Be kinder.');
    expect(screen.getByTestId('review-plan-bot-SOUL.md').textContent).toContain('persona');
    expect(screen.getByTestId('policy-bot-SOUL.md').textContent).toBe('review');
    expect(screen.getByTestId('violation-bot-IDENTITY.md').textContent).toContain('IDENTITY.md is locked');
    await fireEvent.click(screen.getByTestId('review-reject-bot-SOUL.md'));
    await screen.findByTestId('integrity-notice');
    expect(decided).toEqual(['c-1', false, false]);
    expect(screen.queryByTestId('review-bot-SOUL.md')).toBeNull();
  });

  it('reverts a file to a version from its history after showing the diff', async () => {
    let reverted: string[] = [];
    setBackend(
      fakeBackend({
        integrityOverview: () => Promise.resolve([drifted]),
        integrityPage: () => Promise.resolve(filesPage([])),
        tenantSelf: () => Promise.resolve(selfAccess('admin')),
        integrityRevertPreview: (_agent, path) =>
          Promise.resolve({ path, baseline: 'Be kinder.\n', current: 'Be kind.\n', rows: [{ kind: 'removed', old_line: 1, new_line: null, text: 'Be kinder.' }] }),
        integrityRevert: (agent, path, to) => {
          reverted = [agent, path, to];
          return Promise.resolve({ agent, path, sha256: to, mode: 0o640, changed: true });
        },
      }),
    );
    render(IntegrityPage);
    expect((await screen.findByTestId('versions-bot-SOUL.md')).textContent).toBe('2 versions');
    await fireEvent.click(screen.getByTestId('history-bot-SOUL.md'));
    // The version on disk now offers no revert; the earlier one does.
    expect(screen.queryByTestId('revert-bot-SOUL.md-sha256:b')).toBeNull();
    await fireEvent.click(screen.getByTestId('revert-bot-SOUL.md-sha256:a'));
    const dialog = await screen.findByTestId('revert-dialog');
    expect(dialog.textContent).toContain('Be kinder.');
    await fireEvent.click(screen.getByTestId('revert-confirm'));
    await screen.findByTestId('integrity-notice');
    expect(reverted).toEqual(['bot', 'SOUL.md', 'sha256:a']);
  });
});
