import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { setBackend } from '../backend';
import { fakeBackend } from '../backend/fake';
import { selfAccess } from '../testing/fixtures';
import MemberBar from './MemberBar.svelte';
import { refreshSession } from './session.svelte';

describe('MemberBar', () => {
  it('sets a first passphrase, then unlocks', async () => {
    const calls: string[] = [];
    let context = selfAccess('owner', {
      unlock: { member_id: 'm-1', role: 'owner', has_passphrase: false, unlocked: false, unlocked_until: null },
    });
    setBackend(
      fakeBackend({
        tenantSelf: () => Promise.resolve(context),
        memberList: () =>
          Promise.resolve([{ id: 'm-1', display_name: 'Ada', role: 'owner', has_passphrase: false, unlocked_until: null, acting: true }]),
        memberSetPassphrase: (_current, passphrase) => {
          calls.push(`set:${passphrase}`);
          return Promise.resolve();
        },
        memberUnlock: (passphrase) => {
          calls.push(`unlock:${passphrase}`);
          context = selfAccess('owner', {
            unlock: { member_id: 'm-1', role: 'owner', has_passphrase: true, unlocked: true, unlocked_until: '2026-11-21T12:15:00.000Z' },
          });
          return Promise.resolve(context.unlock);
        },
      }),
    );
    await refreshSession();
    render(MemberBar);
    await fireEvent.click(await screen.findByTestId('unlock'));
    await fireEvent.input(screen.getByTestId('unlock-passphrase'), { target: { value: 'a long passphrase' } });
    await fireEvent.input(screen.getByTestId('unlock-confirm'), { target: { value: 'a different one' } });
    await fireEvent.click(screen.getByTestId('unlock-submit'));
    expect((await screen.findAllByRole('alert'))[0]?.textContent).toContain('differ');
    expect(calls).toEqual([]);
    await fireEvent.input(screen.getByTestId('unlock-confirm'), { target: { value: 'a long passphrase' } });
    await fireEvent.click(screen.getByTestId('unlock-submit'));
    await waitFor(() => expect(calls).toEqual(['set:a long passphrase', 'unlock:a long passphrase']));
    expect((await screen.findByTestId('unlock-state')).textContent).toContain('unlocked');
  });

  it('shows no unlock control to a customer', async () => {
    setBackend(fakeBackend({ tenantSelf: () => Promise.resolve(selfAccess('customer')), memberList: () => Promise.resolve([]) }));
    await refreshSession();
    render(MemberBar);
    await screen.findByTestId('member-bar');
    expect(screen.queryByTestId('unlock')).toBeNull();
  });
});
