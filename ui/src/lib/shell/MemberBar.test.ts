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

  it('lets a customer unlock for backups, and offers no first passphrases to set', async () => {
    setBackend(fakeBackend({ tenantSelf: () => Promise.resolve(selfAccess('customer')), memberList: () => Promise.resolve([]) }));
    await refreshSession();
    render(MemberBar);
    await fireEvent.click(await screen.findByTestId('unlock'));
    expect(screen.getByRole('dialog').textContent).toContain('Unlock backups');
    expect(screen.queryByTestId('first-passphrase')).toBeNull();
  });

  it('lets an unlocked owner set the first passphrase of a member who has none', async () => {
    const calls: string[] = [];
    const owner = selfAccess('owner', {
      unlock: { member_id: 'm-1', role: 'owner', has_passphrase: true, unlocked: true, unlocked_until: '2026-11-21T12:15:00.000Z' },
    });
    setBackend(
      fakeBackend({
        tenantSelf: () => Promise.resolve(owner),
        memberList: () =>
          Promise.resolve([
            { id: 'm-1', display_name: 'Ada', role: 'owner', has_passphrase: true, unlocked_until: null, acting: true },
            { id: 'm-2', display_name: 'Priya', role: 'admin', has_passphrase: false, unlocked_until: null, acting: false },
          ]),
        memberSetFirstPassphrase: (member, passphrase) => {
          calls.push(`${member}:${passphrase}`);
          return Promise.resolve();
        },
      }),
    );
    await refreshSession();
    render(MemberBar);
    await fireEvent.click(await screen.findByTestId('first-passphrase'));
    expect((screen.getByTestId('first-passphrase-member') as HTMLSelectElement).value).toBe('m-2');
    await fireEvent.input(screen.getByTestId('first-passphrase-new'), { target: { value: 'priya first one' } });
    await fireEvent.input(screen.getByTestId('first-passphrase-repeat'), { target: { value: 'priya first one' } });
    await fireEvent.click(screen.getByTestId('first-passphrase-submit'));
    await waitFor(() => expect(calls).toEqual(['m-2:priya first one']));
    await waitFor(() => expect(screen.queryByTestId('first-passphrase-dialog')).toBeNull());
  });

  it('switches the acting member only when Switch is pressed, never on picking alone', async () => {
    const switched: string[] = [];
    setBackend(
      fakeBackend({
        tenantSelf: () => Promise.resolve(selfAccess('owner')),
        memberList: () =>
          Promise.resolve([
            { id: 'm-1', display_name: 'Ada', role: 'owner', has_passphrase: true, unlocked_until: null, acting: true },
            { id: 'm-2', display_name: 'Cy', role: 'customer', has_passphrase: false, unlocked_until: null, acting: false },
          ]),
        memberSwitch: (member) => {
          switched.push(member);
          return Promise.resolve(selfAccess('customer'));
        },
      }),
    );
    await refreshSession();
    render(MemberBar);
    const select = (await screen.findByTestId('member-switch')) as HTMLSelectElement;
    await waitFor(() => expect(select.options.length).toBe(2));
    // What ArrowDown on a focused select does in WebKitGTK: a new value and a change event.
    await fireEvent.change(select, { target: { value: 'm-2' } });
    expect(switched).toEqual([]);
    await fireEvent.click(screen.getByTestId('member-switch-apply'));
    await waitFor(() => expect(switched).toEqual(['m-2']));
  });
});
