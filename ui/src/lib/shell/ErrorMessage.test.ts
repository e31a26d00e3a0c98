import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../backend';
import ErrorMessage from './ErrorMessage.svelte';
import { explain } from './session.svelte';

describe('ErrorMessage', () => {
  it("links a core error to its entry in the guide's troubleshooting chapter", () => {
    const text = explain(new BackendError('quota_exceeded', '2 of 2 ability slots are used on Free.'));
    render(ErrorMessage, { text, testid: 'failure' });
    expect(screen.getByTestId('failure').textContent).toContain('2 of 2 ability slots');
    expect(screen.getByTestId('failure-help').getAttribute('href')).toBe('#/help/quota_exceeded');
  });

  it('shows a message of the UI’s own without a link', () => {
    render(ErrorMessage, { text: 'The two passphrases differ.', testid: 'own' });
    expect(screen.getByTestId('own').textContent).toContain('differ');
    expect(screen.queryByTestId('own-help')).toBeNull();
  });
});
