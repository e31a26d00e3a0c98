// Test data shaped like the generated bindings, shared by the unit tests.
import type { PromptPlan, QuotaUsage, Role, SelfAccess } from '../bindings';

export function quota(overrides: Partial<QuotaUsage> = {}): QuotaUsage {
  return { tier: 'pro', slots_used: 1, slots_limit: 3, storage_used: 1024, storage_limit: 1073741824, installed: 1, requested: 0, slots_requested: 0, storage_requested: 0, overcommitted: null, slots_text: 'Uses 1 of your 3 slots on Pro', storage_text: 'Uses 1 KiB of your 1 GiB of storage', waiting_text: null, ...overrides };
}

export function selfAccess(role: Role = 'owner', overrides: Partial<SelfAccess> = {}): SelfAccess {
  return {
    tenant: { id: 't-1', name: 'Acme', tier: 'pro', created_at: '2026-11-21T12:00:00.000Z' },
    member: { id: 'm-1', display_name: 'Ada', role },
    counts: {
      members: 3,
      audit_entries: 7,
      catalog_entries: 20,
      installed_capabilities: 1,
      pending_requests: 0,
      open_change_requests: 0,
    },
    unlock: { member_id: 'm-1', role, has_passphrase: true, unlocked: false, unlocked_until: null },
    quota: quota(),
    installed: [],
    pending_requests: [],
    break_glass: { open: false, remaining_secs: null, latest: null },
    open_changes: [],
    drift_alerts: [],
    backup: {
      due: true,
      last_verified_at: null,
      last_verified_days_ago: null,
      snoozed_until: null,
      passphrase_check_due: true,
      summary: 'Last verified backup: never',
    },
    ...overrides,
  };
}

export function promptPlan(overrides: Partial<PromptPlan> = {}): PromptPlan {
  return {
    sections: [{ kind: 'governance', title: 'Governance and constitution', parts: [{ text: '[MUST] Be kind', source: { type: 'spec', pointer: '/constitution/rules/0' } }] }],
    settings: [],
    conflicts: [],
    warnings: [],
    budget: { files: [], total_chars: 0, total_budget_chars: 60000 },
    trace: { interaction_context: 'owner_chat', persona_spec_version: 1, persona_id: 'bot', persona_hash: 'sha256:aa', plan_hash: 'sha256:bb', fallback_reason: null },
    ...overrides,
  };
}
