import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { setBackend } from '../backend';
import { fakeBackend } from '../backend/fake';
import type { VersionSummary } from '../bindings';
import { promptPlan } from '../testing/fixtures';
import SpecEditor from './SpecEditor.svelte';

const draft: VersionSummary = {
  agent: 'bot',
  version: 1,
  state: 'draft',
  persona_hash: 'sha256:aa',
  created_at: '2026-11-21T12:00:00.000Z',
  published_at: null,
  active: false,
  problems: [],
};

const plan = promptPlan();

function scripted() {
  let versions: VersionSummary[] = [draft];
  const published: string[] = [];
  setBackend(
    fakeBackend({
      specVersions: () => Promise.resolve(versions),
      specGet: (_agent, version) =>
        Promise.resolve({ summary: versions.find((v) => v.version === version) ?? draft, spec_json: '{"mode":"team"}' }),
      specCheck: (text) =>
        Promise.resolve(
          text.includes('solo')
            ? { problems: [{ pointer: '/mode', rule: 'enum', message: 'use team or individual' }], persona_hash: null }
            : { problems: [], persona_hash: 'sha256:aa' },
        ),
      specPreview: () => Promise.resolve(plan),
      specSaveDraft: () => Promise.resolve(draft),
      specPublish: (agent) => {
        published.push(agent);
        versions = [{ ...draft, state: 'published', active: true, published_at: '2026-11-21T12:00:00.000Z' }];
        return Promise.resolve(versions[0]!);
      },
    }),
  );
  return { published };
}

describe('SpecEditor', () => {
  it('validates live, shows the hash and the preview with provenance', async () => {
    scripted();
    render(SpecEditor, { agent: 'bot' });
    const editor = (await screen.findByTestId('spec-text')) as HTMLTextAreaElement;
    await waitFor(() => expect(editor.value).toContain('"mode": "team"'));
    await screen.findByTestId('spec-valid');
    expect(screen.getByTestId('spec-hash').textContent).toBe('sha256:aa');
    expect((await screen.findByTestId('section-governance')).textContent).toContain('spec /constitution/rules/0');

    await fireEvent.input(editor, { target: { value: '{"mode":"solo"}' } });
    const problems = await screen.findByTestId('spec-problems');
    expect(problems.textContent).toContain('/mode');
    expect((screen.getByTestId('publish') as HTMLButtonElement).disabled).toBe(true);
  });

  it('publishes only after confirmation and then shows the active version read-only', async () => {
    const { published } = scripted();
    render(SpecEditor, { agent: 'bot' });
    await screen.findByTestId('spec-valid');
    const publish = (await screen.findByTestId('publish')) as HTMLButtonElement;
    await waitFor(() => expect(publish.disabled).toBe(false));
    await fireEvent.click(publish);
    expect(published).toEqual([]);
    await fireEvent.click(await screen.findByTestId('confirm-publish'));
    await waitFor(() => expect(published).toEqual(['bot']));
    expect((await screen.findByTestId('active-version')).textContent?.trim()).toBe('Active: v1');
    await waitFor(() => expect((screen.getByTestId('spec-text') as HTMLTextAreaElement).readOnly).toBe(true));
  });
});
