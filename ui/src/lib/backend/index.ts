// The one interface the UI uses to reach the core. The Tauri implementation calls IPC; tests
// install their own implementation with `setBackend`.
import type {
  AttestedPlan,
  ApprovalInput,
  BreakGlass,
  BreakGlassStatus,
  Capability,
  CatalogFilter,
  ChangeAction,
  ChangeComment,
  ChangeDetail,
  ChangeRequest,
  InstallRequest,
  InstallState,
  MemberSummary,
  NewChange,
  QuotaUsage,
  RequestInput,
  UnlockStatus,
  AgentIntegrity,
  Decided,
  IntegrityChanged,
  IntegrityPage,
  Reverted,
  ScanReport,
  AppInfo,
  AuditFilter,
  AuditRecord,
  Baseline,
  FileDiff,
  VerifyReport,
  DoctorReport,
  InitRequest,
  InteractionContext,
  PromptPlan,
  SelfAccess,
  SpecCheck,
  StoredVersion,
  Tier,
  VersionSummary,
  ApplyOptions,
  ApplyReport,
  ClawExport,
  ImportReport,
  Status,
  SyncOutcome,
  SyncPlan,
  LabelInfo,
  PresetCheck,
  PresetFilter,
  PresetSummary,
  PresetTexts,
  PresetVersion,
  AcceptOutcome,
  Answer,
  Choice,
  Customization,
  WizardState,
  BackupLocation,
  BackupRecord,
  BackupVerifyReport,
  DestinationInfo,
  ExportOutcome,
  DestinationSpec,
  Preview,
  Progress,
  ReminderStatus,
  RestoreReport,
  RestoreTarget,
  RevealedPassphrase,
  Volume,
} from '../bindings';

export interface Backend {
  appInfo(): Promise<AppInfo>;
  tenantSelf(): Promise<SelfAccess>;
  initHome(request: InitRequest): Promise<SelfAccess>;
  runDoctor(): Promise<DoctorReport>;
  specCheck(text: string): Promise<SpecCheck>;
  specPreview(text: string, context: InteractionContext): Promise<PromptPlan>;
  specAgents(): Promise<string[]>;
  specVersions(agent: string): Promise<VersionSummary[]>;
  specGet(agent: string, version: number | null): Promise<StoredVersion>;
  specNewDraft(agent: string): Promise<VersionSummary>;
  specSaveDraft(agent: string, text: string): Promise<VersionSummary>;
  specPublish(agent: string): Promise<VersionSummary>;
  integrityOverview(): Promise<AgentIntegrity[]>;
  integrityDiff(agent: string, path: string): Promise<FileDiff>;
  integrityAccept(agent: string): Promise<Baseline>;
  integrityPage(): Promise<IntegrityPage>;
  integrityScan(): Promise<ScanReport>;
  integrityRevertPreview(agent: string, path: string, to: string): Promise<FileDiff>;
  integrityRevert(agent: string, path: string, to: string): Promise<Reverted>;
  integrityDecide(id: string, approve: boolean, saveAsDraft: boolean): Promise<Decided>;
  /** Calls `handler` after each scan the app's file watcher ran; resolves to the unsubscribe. */
  onIntegrityChanged(handler: (change: IntegrityChanged) => void): Promise<() => void>;
  auditList(filter: AuditFilter): Promise<AuditRecord[]>;
  auditVerify(): Promise<VerifyReport>;
  specUse(agent: string, text: string, context: InteractionContext): Promise<AttestedPlan>;
  memberList(): Promise<MemberSummary[]>;
  memberSwitch(member: string): Promise<SelfAccess>;
  memberUnlock(passphrase: string): Promise<UnlockStatus>;
  memberLock(): Promise<UnlockStatus>;
  memberSetPassphrase(current: string | null, passphrase: string): Promise<void>;
  memberSetFirstPassphrase(member: string, passphrase: string): Promise<void>;
  catalogList(filter: CatalogFilter): Promise<Capability[]>;
  installRequest(input: RequestInput): Promise<InstallRequest>;
  installList(filter: InstallState | null): Promise<InstallRequest[]>;
  installApprove(request: string, input: ApprovalInput): Promise<InstallRequest>;
  installReject(request: string, note: string | null): Promise<InstallRequest>;
  installApply(request: string): Promise<InstallRequest>;
  installUninstall(capability: string): Promise<InstallRequest>;
  quotaUsage(): Promise<QuotaUsage>;
  /** The owner moves the tenant to another tier; the usage under it. */
  tenantSetTier(tier: Tier): Promise<QuotaUsage>;
  breakglassOpen(reason: string, ttlSecs: number | null): Promise<BreakGlass>;
  breakglassClose(): Promise<BreakGlass>;
  breakglassStatus(): Promise<BreakGlassStatus>;
  changeList(openOnly: boolean): Promise<ChangeRequest[]>;
  changeGet(id: string): Promise<ChangeDetail>;
  changeSubmit(change: NewChange): Promise<ChangeRequest>;
  changeTransition(id: string, action: ChangeAction, note: string | null): Promise<ChangeRequest>;
  changeComment(id: string, body: string): Promise<ChangeComment>;
  presetList(filter: PresetFilter): Promise<PresetSummary[]>;
  presetHistory(id: string): Promise<PresetVersion[]>;
  presetTexts(id: string, version: number): Promise<PresetTexts>;
  presetCheck(texts: PresetTexts): Promise<PresetCheck>;
  presetPreview(texts: PresetTexts, context: InteractionContext): Promise<PromptPlan>;
  presetNewDraft(id: string, from: string | null): Promise<PresetVersion>;
  presetSaveDraft(id: string, texts: PresetTexts): Promise<PresetVersion>;
  presetPublish(id: string): Promise<PresetVersion>;
  presetMoveLabel(id: string, label: string, version: number): Promise<LabelInfo>;
  presetDeprecate(id: string): Promise<void>;
  presetDiff(id: string, from: number, to: number): Promise<FileDiff[]>;
  presetApply(reference: string, agent: string, workspace: string, options: ApplyOptions): Promise<ApplyReport>;
  presetExportClaw(reference: string, dir: string, tgz: string | null): Promise<ClawExport>;
  openclawStatus(openclaw: string | null): Promise<Status>;
  openclawPlan(agent: string, openclaw: string | null, overwriteAgentFiles: boolean): Promise<SyncPlan>;
  openclawSync(agent: string, openclaw: string | null, overwriteAgentFiles: boolean, planHash: string): Promise<SyncOutcome>;
  openclawImport(openclaw: string | null, dryRun: boolean): Promise<ImportReport>;
  onboardingState(): Promise<WizardState>;
  onboardingAnswer(question: string, value: Answer): Promise<WizardState>;
  onboardingBack(): Promise<WizardState>;
  onboardingRevisit(question: string): Promise<WizardState>;
  onboardingReset(): Promise<WizardState>;
  onboardingCustomize(choice: Choice): Promise<Customization>;
  onboardingAccept(choice: Choice, agent: string): Promise<AcceptOutcome>;
  destinationList(): Promise<DestinationInfo[]>;
  destinationAdd(label: string, destination: DestinationSpec, keepLast: number | null): Promise<DestinationInfo>;
  destinationRemove(label: string): Promise<DestinationInfo>;
  driveList(): Promise<Volume[]>;
  backupList(includeDeleted: boolean): Promise<BackupRecord[]>;
  backupExport(to: BackupLocation, onProgress: (progress: Progress) => void): Promise<ExportOutcome>;
  backupVerify(source: BackupLocation, onProgress: (progress: Progress) => void): Promise<BackupVerifyReport>;
  backupPreview(source: BackupLocation): Promise<Preview>;
  backupRestoreTarget(into: string): Promise<RestoreTarget>;
  backupRestore(source: BackupLocation, into: string, force: boolean, onProgress: (progress: Progress) => void): Promise<RestoreReport>;
  backupCancel(): Promise<void>;
  backupSnooze(hours: number): Promise<ReminderStatus>;
  backupPassphraseReveal(): Promise<RevealedPassphrase>;
  backupPassphraseConfirm(typed: string): Promise<boolean>;
}

/** An error from the core. Switch on `code`, never on `message`. */
export class BackendError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
  }
}

let current: Backend | undefined;

export function setBackend(backend: Backend): void {
  current = backend;
}

export function backend(): Backend {
  if (!current) throw new BackendError('no_backend', 'The app backend is not ready.');
  return current;
}
