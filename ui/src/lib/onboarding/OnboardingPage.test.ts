import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { setBackend } from '../backend';
import { fakeBackend } from '../backend/fake';
import type { Answer, Choice, Customization, Question, Recommendation, WizardState } from '../bindings';
import OnboardingPage from './OnboardingPage.svelte';

const questions: Question[] = [
  {
    id: 'goal',
    kind: 'single',
    prompt: 'What should your agent mainly do?',
    options: [
      { id: 'support', label: 'Answer customers', help: '', reason: 'you want help with support' },
      { id: 'research', label: 'Research', help: '', reason: 'you want research' },
    ],
    show_if: [],
    min_len: null,
    max_len: null,
  },
  { id: 'agent_name', kind: 'text', prompt: 'What should the agent be called?', options: [], show_if: [], min_len: 1, max_len: 10 },
];

const recommendation = {
  bank_version: 1,
  scoring_version: 1,
  inputs_hash: 'sha256:in',
  mode: 'team',
  preset: { id: 'customer_support_agent', name: 'Customer support', score: 9, reasons: [{ question: 'goal', option: 'support', trait: 'knowledge_base', weight: 5 }], why: 'We recommend the Customer support because you want help with support.' },
  runners_up: [{ id: 'research_analyst', name: 'Research analyst', score: 6, reasons: [], why: 'Also a close match to your answers.' }],
  capabilities: [{ id: 'kb', name: 'Knowledge base', score: 5, slots: 1, storage_bytes: 1024, official: true, personalized_default: false, reasons: [], warning: null, why: 'Suggested because you want help with support.', uses: 'Uses 1 slot and 1 KiB' }],
  optional_community: [],
  trimmed: [{ capability: { id: 'voice', name: 'Voice', score: 4, slots: 1, storage_bytes: 2048, official: true, personalized_default: false, reasons: [], warning: null, why: 'Suggested because it will talk by voice.', uses: 'Uses 1 slot and 2 KiB' }, reason: "Doesn't fit on Free: it needs 1 slot and your plan's only slot is taken. It fits on Pro.", upgrade: 'pro' }],
  tier: 'free',
  slots_used: 1,
  slots_limit: 1,
  storage_used: 1024,
  storage_limit: 4096,
} as unknown as Recommendation;

function wizardAt(answers: Record<string, Answer>): WizardState {
  const current = questions.findIndex((q) => !(q.id in answers));
  return {
    bank_version: 1,
    status: 'in_progress',
    questions,
    answers,
    current: current === -1 ? null : current,
    first_unanswered: current === -1 ? null : current,
    complete: current === -1,
    dropped: [],
    started_at: null,
    updated_at: null,
    recommendation: current === -1 ? recommendation : null,
    accepted: null,
  };
}

describe('OnboardingPage', () => {
  it('answers with the keyboard, validates inline, and meters the quota live', async () => {
    let answers: Record<string, Answer> = {};
    const customized: Choice[] = [];
    setBackend(
      fakeBackend({
        onboardingState: () => Promise.resolve(wizardAt(answers)),
        onboardingAnswer: (question, value) => {
          answers = { ...answers, [question]: value };
          return Promise.resolve(wizardAt(answers));
        },
        onboardingCustomize: (choice) => {
          customized.push(choice);
          const slots = choice.capabilities.length;
          return Promise.resolve({ slots_used: slots, slots_limit: 1, storage_used: 0, storage_limit: 4096, fits: slots <= 1, over: slots > 1 ? ['This choice needs 2 ability slots; Free allows 1.'] : [], upgrade: slots > 1 ? 'pro' : null, warnings: [], tier: 'free', slots_text: `Uses ${slots} of your 1 slot on Free`, storage_text: 'Uses 0 bytes of your 4 KiB of storage', counted_text: null } as unknown as Customization);
        },
      }),
    );
    render(OnboardingPage);
    const form = await screen.findByTestId('wizard-question-goal');
    expect(screen.getByTestId('wizard-progress').textContent).toBe('Question 1 of 2');
    // Enter with nothing chosen: an inline problem, nothing sent.
    await fireEvent.keyDown(form, { key: 'Enter' });
    expect(screen.getByTestId('wizard-problem').textContent).toContain('choose one');
    // Arrow down chooses the next option.
    await fireEvent.keyDown(form, { key: 'ArrowDown' });
    await fireEvent.keyDown(form, { key: 'Enter' });
    await screen.findByTestId('wizard-question-agent_name');
    expect(answers.goal).toEqual(['research']);

    const name = screen.getByTestId('wizard-text') as HTMLInputElement;
    await fireEvent.input(name, { target: { value: 'A name that is too long' } });
    await fireEvent.click(screen.getByTestId('wizard-next'));
    expect(screen.getByTestId('wizard-problem').textContent).toContain('10 characters');
    await fireEvent.input(name, { target: { value: 'Wren' } });
    await fireEvent.click(screen.getByTestId('wizard-next'));

    await screen.findByTestId('wizard-summary');
    expect(screen.getByTestId('recommended-reasons').textContent).toBe('We recommend the Customer support because you want help with support.');
    // The scores stay available behind the disclosure, in the question bank's words.
    expect(screen.getByTestId('how-chosen').textContent).toContain('What should your agent mainly do? Answer customers: +5 for knowledge base');
    expect(screen.getByTestId('note-voice').textContent).toContain("It fits on Pro.");
    await waitFor(() => expect(screen.getByTestId('quota-slots-text').textContent).toBe('Uses 1 of your 1 slot on Free'));
    expect((screen.getByTestId('accept-agent') as HTMLInputElement).value).toBe('wren');
    // Adding the trimmed capability goes over: the meter follows and accept is disabled.
    await fireEvent.click(screen.getByTestId('capability-voice').querySelector('input')!);
    await waitFor(() => expect(screen.getByTestId('quota-slots-text').textContent).toBe('Uses 2 of your 1 slot on Free'));
    expect(screen.getByTestId('quota-over').textContent).toContain('Free allows 1');
    expect((screen.getByTestId('wizard-accept') as HTMLButtonElement).disabled).toBe(true);
    expect(customized.at(-1)?.capabilities).toEqual(['kb', 'voice']);
    await fireEvent.click(screen.getByTestId('swap-research_analyst'));
    await waitFor(() => expect(customized.at(-1)?.preset).toBe('research_analyst'));
  });
});
