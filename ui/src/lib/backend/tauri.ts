// The Backend over Tauri IPC. Errors arrive as the core's `{code, message}` shape.
import { Channel, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { IntegrityChanged, IpcError, Progress } from '../bindings';
import type { Commands } from '../commands';
import { BackendError, type Backend } from './index';

function isIpcError(value: unknown): value is IpcError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as IpcError).code === 'string' &&
    typeof (value as IpcError).message === 'string'
  );
}

// Commands run off the main thread, so the window stays live while they work. How many are
// in flight is published on <html data-ipc-pending>, which the end-to-end tests wait on.
// Their names are on <html data-ipc-commands>, so a test that times out says which one hangs.
let pending = 0;
const inFlight: string[] = [];

function track(command: string, delta: number) {
  pending += delta;
  if (delta > 0) inFlight.push(command);
  else inFlight.splice(inFlight.indexOf(command), 1);
  document.documentElement.dataset.ipcPending = String(pending);
  document.documentElement.dataset.ipcCommands = inFlight.join(' ');
}

// A command's argument object, optional when it takes none.
type Args<K extends keyof Commands> =
  Record<string, never> extends Commands[K]['args'] ? [args?: Commands[K]['args']] : [args: Commands[K]['args']];

// The only door to IPC, typed by the generated command map: a wrong command name, argument key
// or type, or a wrong return type in a wrapper, fails the type check.
async function call<K extends keyof Commands>(command: K, ...args: Args<K>): Promise<Commands[K]['returns']> {
  track(command, 1);
  try {
    return await invoke<Commands[K]['returns']>(command, args[0]);
  } catch (error) {
    if (isIpcError(error)) throw new BackendError(error.code, error.message);
    throw new BackendError('ipc', String(error));
  } finally {
    track(command, -1);
  }
}

function progressChannel(onProgress: (progress: Progress) => void): Channel<Progress> {
  const channel = new Channel<Progress>();
  channel.onmessage = onProgress;
  return channel;
}

export const tauriBackend: Backend = {
  appInfo: () => call('app_info'),
  tenantSelf: () => call('tenant_self'),
  initHome: (request) => call('init_home', { request }),
  runDoctor: () => call('run_doctor'),
  specCheck: (text) => call('spec_check', { text }),
  specPreview: (text, context) => call('spec_preview', { text, context }),
  specAgents: () => call('spec_agents'),
  specVersions: (agent) => call('spec_versions', { agent }),
  specGet: (agent, version) => call('spec_get', { agent, version }),
  specNewDraft: (agent) => call('spec_new_draft', { agent }),
  specSaveDraft: (agent, text) => call('spec_save_draft', { agent, text }),
  specPublish: (agent) => call('spec_publish', { agent }),
  integrityOverview: () => call('integrity_overview'),
  integrityDiff: (agent, path) => call('integrity_diff', { agent, path }),
  integrityAccept: (agent) => call('integrity_accept', { agent }),
  integrityPage: () => call('integrity_page'),
  integrityScan: () => call('integrity_scan'),
  integrityRevertPreview: (agent, path, to) => call('integrity_revert_preview', { agent, path, to }),
  integrityRevert: (agent, path, to) => call('integrity_revert', { agent, path, to }),
  integrityDecide: (id, approve, saveAsDraft) => call('integrity_decide', { id, approve, saveAsDraft }),
  onIntegrityChanged: (handler) =>
    listen<IntegrityChanged>('integrity-changed', (event) => handler(event.payload)),
  auditList: (filter) => call('audit_list', { filter }),
  auditVerify: () => call('audit_verify'),
  specUse: (agent, text, context) => call('spec_use', { agent, text, context }),
  memberList: () => call('member_list'),
  memberSwitch: (member) => call('member_switch', { member }),
  memberUnlock: (passphrase) => call('member_unlock', { passphrase }),
  memberLock: () => call('member_lock'),
  memberSetPassphrase: (current, passphrase) => call('member_set_passphrase', { current, passphrase }),
  memberSetFirstPassphrase: (member, passphrase) => call('member_set_first_passphrase', { member, passphrase }),
  catalogList: (filter) => call('catalog_list', { filter }),
  installRequest: (input) => call('install_request', { input }),
  installList: (filter) => call('install_list', { filter }),
  installApprove: (request, input) => call('install_approve', { request, input }),
  installReject: (request, note) => call('install_reject', { request, note }),
  installApply: (request) => call('install_apply', { request }),
  installUninstall: (capability) => call('install_uninstall', { capability }),
  quotaUsage: () => call('quota_usage'),
  tenantSetTier: (tier) => call('tenant_set_tier', { tier }),
  breakglassOpen: (reason, ttlSecs) => call('breakglass_open', { reason, ttlSecs }),
  breakglassClose: () => call('breakglass_close'),
  breakglassStatus: () => call('breakglass_status'),
  changeList: (openOnly) => call('change_list', { openOnly }),
  changeGet: (id) => call('change_get', { id }),
  changeSubmit: (change) => call('change_submit', { change }),
  changeTransition: (id, action, note) => call('change_transition', { id, action, note }),
  changeComment: (id, body) => call('change_comment', { id, body }),
  presetList: (filter) => call('preset_list', { filter }),
  presetHistory: (id) => call('preset_history', { id }),
  presetTexts: (id, version) => call('preset_texts', { id, version }),
  presetCheck: (texts) => call('preset_check', { texts }),
  presetPreview: (texts, context) => call('preset_preview', { texts, context }),
  presetNewDraft: (id, from) => call('preset_new_draft', { id, from }),
  presetSaveDraft: (id, texts) => call('preset_save_draft', { id, texts }),
  presetPublish: (id) => call('preset_publish', { id }),
  presetMoveLabel: (id, label, version) => call('preset_move_label', { id, label, version }),
  presetDeprecate: (id) => call('preset_deprecate', { id }),
  presetDiff: (id, from, to) => call('preset_diff', { id, from, to }),
  presetApply: (reference, agent, workspace, options) => call('preset_apply', { reference, agent, workspace, options }),
  presetExportClaw: (reference, dir, tgz) => call('preset_export_claw', { reference, dir, tgz }),
  openclawStatus: (openclaw) => call('openclaw_status', { openclaw }),
  openclawPlan: (agent, openclaw, overwriteAgentFiles) => call('openclaw_plan', { agent, openclaw, overwriteAgentFiles }),
  openclawSync: (agent, openclaw, overwriteAgentFiles, planHash) =>
    call('openclaw_sync', { agent, openclaw, overwriteAgentFiles, planHash }),
  openclawImport: (openclaw, dryRun) => call('openclaw_import', { openclaw, dryRun }),
  onboardingState: () => call('onboarding_state'),
  onboardingAnswer: (question, value) => call('onboarding_answer', { question, value }),
  onboardingBack: () => call('onboarding_back'),
  onboardingRevisit: (question) => call('onboarding_revisit', { question }),
  onboardingReset: () => call('onboarding_reset'),
  onboardingCustomize: (choice) => call('onboarding_customize', { choice }),
  onboardingAccept: (choice, agent) => call('onboarding_accept', { choice, agent }),
  destinationList: () => call('destination_list'),
  destinationAdd: (label, destination, keepLast) => call('destination_add', { label, destination, keepLast }),
  destinationRemove: (label) => call('destination_remove', { label }),
  driveList: () => call('drive_list'),
  backupList: (includeDeleted) => call('backup_list', { includeDeleted }),
  backupExport: (to, onProgress) => call('backup_export', { to, onProgress: progressChannel(onProgress) }),
  backupVerify: (source, onProgress) => call('backup_verify', { source, onProgress: progressChannel(onProgress) }),
  backupPreview: (source) => call('backup_preview', { source }),
  backupRestoreTarget: (into) => call('backup_restore_target', { into }),
  backupRestore: (source, into, force, onProgress) =>
    call('backup_restore', { source, into, force, onProgress: progressChannel(onProgress) }),
  backupCancel: () => call('backup_cancel'),
  backupSnooze: (hours) => call('backup_snooze', { hours }),
  backupPassphraseReveal: () => call('backup_passphrase_reveal'),
  backupPassphraseConfirm: (typed) => call('backup_passphrase_confirm', { typed }),
};
