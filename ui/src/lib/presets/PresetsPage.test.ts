import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { setBackend } from '../backend';
import { fakeBackend } from '../backend/fake';
import type { PresetFilter, PresetManifest, PresetSummary, PresetTexts, PresetVersion } from '../bindings';
import { unsavedEditors } from '../shell/unsaved.svelte';
import { promptPlan } from '../testing/fixtures';
import PresetsPage from './PresetsPage.svelte';

const summary: PresetSummary = {
  id: 'night_owl',
  name: 'Night owl',
  description: 'Answers after hours.',
  tags: ['support'],
  traits: [],
  mode: 'team',
  trust: 'local',
  lifecycle: 'active',
  latest_published: 1,
  draft: 2,
  labels: [{ label: 'production', version: 1 }],
  content_hash: 'sha256:aa',
};

function version(n: number, state: 'draft' | 'published'): PresetVersion {
  return {
    id: 'night_owl',
    version: n,
    state,
    bundle: { manifest: { name: 'Night owl' } as PresetManifest, files: {} },
    content_hash: `sha256:${n}`,
    parent_hash: null,
    created_at: '2026-11-21T12:00:00.000Z',
    published_at: null,
  };
}

function scripted() {
  const filters: PresetFilter[] = [];
  const checked: PresetTexts[] = [];
  const saved: PresetTexts[] = [];
  setBackend(
    fakeBackend({
      presetList: (filter) => {
        filters.push(filter);
        return Promise.resolve(filter.mode === 'individual' ? [] : [summary]);
      },
      presetHistory: () => Promise.resolve([version(2, 'draft'), version(1, 'published')]),
      presetTexts: () => Promise.resolve({ manifest: '{"id": "night_owl"}\n', files: { 'SOUL.md': 'I am calm.\n' } }),
      presetCheck: (texts) => {
        checked.push(texts);
        const bad = (texts.files['SOUL.md'] ?? '').includes('{{');
        return Promise.resolve({
          problems: bad ? [{ file: 'SOUL.md', pointer: '', message: 'SOUL.md has a broken placeholder' }] : [],
          content_hash: bad ? null : 'sha256:cc',
          variables: [],
          file_policies: bad ? [] : [{ path: 'SOUL.md', policy: 'review', rule: 'SOUL.md' }, { path: 'memory/**', policy: 'agent_editable', rule: 'memory/**' }],
        });
      },
      presetPreview: (texts) =>
        Promise.resolve(
          promptPlan({ sections: [{ kind: 'intent', title: 'Intent', parts: [{ text: texts.files['SOUL.md'] ?? '', source: { type: 'file', file: 'SOUL.md', start_line: 1, end_line: 1 } }] }] }),
        ),
      presetSaveDraft: (_id, texts) => {
        saved.push(texts);
        return Promise.resolve(version(2, 'draft'));
      },
    }),
  );
  return { filters, checked, saved };
}

describe('PresetsPage', () => {
  it('filters the list and shows each preset status and labels', async () => {
    const { filters } = scripted();
    render(PresetsPage);
    expect((await screen.findByTestId('preset-status-night_owl')).textContent).toBe('v1 published · draft v2');
    expect(screen.getByTestId('preset-night_owl').textContent).toContain('production → v1');
    await fireEvent.change(screen.getByTestId('filter-mode'), { target: { value: 'individual' } });
    await screen.findByTestId('presets-empty');
    expect(filters.at(-1)?.mode).toBe('individual');
  });

  it('edits a template with live validation, preview, and unsaved-change tracking', async () => {
    const { saved } = scripted();
    render(PresetsPage);
    await fireEvent.click(await screen.findByTestId('preset-night_owl'));
    // preset.json's tab shows each file's self-edit policy.
    expect((await screen.findByTestId('preset-policy-memory/**')).textContent).toContain('agent editable');
    await fireEvent.click(await screen.findByTestId('tab-SOUL.md'));
    const text = screen.getByTestId('preset-text') as HTMLTextAreaElement;
    await waitFor(() => expect(text.value).toBe('I am calm.\n'));
    await screen.findByTestId('preset-valid');
    expect(screen.queryByTestId('preset-file-policies')).toBeNull();

    await fireEvent.input(text, { target: { value: 'I am {{ broken\n' } });
    expect(unsavedEditors()).toEqual(['the preset night_owl']);
    await waitFor(() => expect(screen.getByTestId('tab-SOUL.md').textContent).toContain('1'));
    expect(screen.getByTestId('preset-problems').textContent).toContain('broken placeholder');
    expect((screen.getByTestId('preset-publish') as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.input(text, { target: { value: 'I am calm and exact.\n' } });
    await waitFor(() => expect(screen.getByTestId('plan').textContent).toContain('I am calm and exact.'));
    await fireEvent.click(screen.getByTestId('preset-save'));
    await screen.findByTestId('preset-message');
    expect(saved.at(-1)?.files['SOUL.md']).toBe('I am calm and exact.\n');
    expect(unsavedEditors()).toEqual([]);
  });
});
