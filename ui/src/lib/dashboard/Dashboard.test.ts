import { render, screen, fireEvent } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { BackendError, setBackend } from '../backend';
import { fakeBackend } from '../backend/fake';
import type { SelfAccess } from '../bindings';
import Dashboard from './Dashboard.svelte';
import { selfAccess } from '../testing/fixtures';

const context: SelfAccess = selfAccess();

describe('Dashboard', () => {
  it('shows loading, then the tenant context', async () => {
    setBackend(fakeBackend({ tenantSelf: () => Promise.resolve(context) }));
    render(Dashboard);
    expect(screen.getByTestId('dashboard-loading')).toBeTruthy();
    expect((await screen.findByTestId('tenant-name')).textContent).toBe('Acme');
    expect(screen.getByTestId('tenant-tier').textContent).toBe('pro');
    expect(screen.getByTestId('member-role').textContent).toBe('owner');
    expect(screen.getByTestId('count-members').textContent).toBe('3');
    expect(screen.getByTestId('count-audit').textContent).toBe('7');
  });

  it('alerts on a changed locked file and says where to revert it', async () => {
    const drifted: SelfAccess = {
      ...context,
      drift_alerts: [{ agent: 'ea', changes: 2, problem: null, locked: ['AGENTS.md'] }],
    };
    setBackend(fakeBackend({ tenantSelf: () => Promise.resolve(drifted) }));
    render(Dashboard);
    const alert = await screen.findByTestId('dashboard-locked-ea');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('AGENTS.md');
    expect(screen.getByTestId('dashboard-drift').textContent).toContain('2 changes');
  });

  it('offers setup on an empty home and shows the created tenant', async () => {
    const requests: unknown[] = [];
    setBackend(
      fakeBackend({
        tenantSelf: () => Promise.reject(new BackendError('not_initialized', 'Run init first.')),
        initHome: (request) => {
          requests.push(request);
          return Promise.resolve({ ...context, tenant: { ...context.tenant, name: request.tenant_name } });
        },
      }),
    );
    render(Dashboard);
    await screen.findByTestId('dashboard-empty');
    const submit = screen.getByRole('button', { name: 'Create workspace' }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText('Workspace name'), { target: { value: 'Initech' } });
    await fireEvent.input(screen.getByLabelText('Your name'), { target: { value: 'Peter' } });
    expect(submit.disabled).toBe(false);
    await fireEvent.click(submit);
    expect((await screen.findByTestId('tenant-name')).textContent).toBe('Initech');
    expect(requests).toEqual([{ tenant_name: 'Initech', owner_name: 'Peter', tier: 'free' }]);
  });

  it('shows the error code and message, and retries', async () => {
    let calls = 0;
    setBackend(
      fakeBackend({
        tenantSelf: () => {
          calls += 1;
          return calls === 1
            ? Promise.reject(new BackendError('schema_too_new', 'Written by a newer Persona Studio.'))
            : Promise.resolve(context);
        },
      }),
    );
    render(Dashboard);
    const error = await screen.findByTestId('dashboard-error');
    expect(error.textContent).toContain('schema_too_new');
    expect(error.textContent).toContain('newer Persona Studio');
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect((await screen.findByTestId('tenant-name')).textContent).toBe('Acme');
  });
});
