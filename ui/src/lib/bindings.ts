// Generated from the Rust types by `cargo xtask bindings`. Do not edit by hand.

export type AcceptOutcome = { agent: string, draft_version: number, persona_hash: string, preset: string, preset_version: number, 
/**
 * How the chosen preset was read, ending at the version the draft was built from
 * (`executive_assistant:production → v1`).
 */
preset_resolved: string, preset_hash: string, mode: Mode, 
/**
 * Requests opened now, by capability id.
 */
install_requests: Array<RequestedCapability>, 
/**
 * Chosen capabilities that were already requested or installed: nothing new was opened.
 */
already_requested: Array<RequestedCapability>, harness_profile: unknown, accepted_at: string, 
/**
 * True when this call found the same choice already accepted and created nothing.
 */
already_accepted: boolean, };

export type AgentFiles = { agent: string, workspace: string, 
/**
 * The preset last applied, `id@version`.
 */
preset: string | null, files: Array<ManagedFile>, reviews: Array<FileReview>, 
/**
 * Why the files could not be read (the workspace is gone).
 */
error: string | null, 
/**
 * What else to know: the walk of the policy patterns stopped at its limits.
 */
warning: string | null, };

export type AgentImport = { 
/**
 * The agent id.
 */
agent: string, 
/**
 * Its workspace.
 */
workspace: string, 
/**
 * What happened.
 */
action: ImportAction, 
/**
 * The preset draft created (or that would be).
 */
preset: string | null, 
/**
 * The persona files taken from the workspace.
 */
files: Array<string>, 
/**
 * Why it was skipped.
 */
reason: string | null, };

export type AgentIntegrity = { agent: string, workspace: string, recorded_at: string, report: DriftReport | null, error: string | null, };

export type AgentScan = { agent: string, 
/**
 * Each managed file that differs from its baseline (and was not the product's write).
 */
files: Array<FileOutcome>, 
/**
 * File reviews closed because their file is back at its approved bytes.
 */
reviews_closed: Array<string>, 
/**
 * Why the agent could not be scanned (its workspace is gone, it has no baseline).
 */
error: string | null, 
/**
 * What the scan left out: files under a policy pattern past the walk's limits.
 */
warning: string | null, };

export type AgentState = "in_sync" | "drifted" | "not_managed" | "missing_workspace";

export type AgentStatus = { 
/**
 * Which of our agents it is, when it is one.
 */
ours: OurAgent | null, 
/**
 * Where it stands.
 */
state: AgentState, 
/**
 * What differs, when `drifted`.
 */
drift: Array<DriftItem>, 
/**
 * The agent id (`^[a-z0-9_][a-z0-9_-]{0,63}$`).
 */
id: string, 
/**
 * `name`, if set.
 */
name: string | null, 
/**
 * The workspace folder OpenClaw would use (absolute).
 */
workspace: string, 
/**
 * `workspace` exactly as written in the config (`~` and `${VAR}` kept), if set.
 */
workspace_written: string | null, 
/**
 * The primary model (`model`, or `model.primary`).
 */
model: string | null, 
/**
 * `thinkingDefault`.
 */
thinking_default: string | null, 
/**
 * `skills`: `None` means every skill; `[]` means none.
 */
skills: Array<string> | null, 
/**
 * Which of `model`, `thinkingDefault`, `skills` and `workspace` came from `agents.defaults`.
 */
inherited: Array<string>, 
/**
 * True for the implicit `main` agent of a config that declares none.
 */
implicit: boolean, };

export type Answer = Array<string> | string;

export type AnswerOption = { id: string, label: string, help: string, 
/**
 * The customer-facing phrase that explains a recommendation, written to follow "because":
 * `you want help with customer support`, `it will talk to people on your website`. Lower
 * case, no final stop, at most [`REASON_MAX_CHARS`] characters (checked by [`validate`]).
 */
reason: string, };

export type AppInfo = { version: string, home: string, };

export type AppliedPreset = { 
/**
 * The preset id.
 */
id: string, 
/**
 * The version applied.
 */
version: number, 
/**
 * Its content hash.
 */
content_hash: string, };

export type ApplyOptions = { 
/**
 * Show what would change and write nothing.
 */
dry_run: boolean, 
/**
 * Also overwrite USER.md (and MEMORY.md), which the agent edits itself.
 */
overwrite_agent_files: boolean, 
/**
 * Template variables; `agent_name` defaults to the spec's identity name and `owner_name`
 * to the acting member's name.
 */
vars: { [key in string]?: string }, };

export type ApplyReport = { preset: string, version: number, 
/**
 * How the preset reference was read, ending at the version applied
 * (`executive_assistant:production → v1`).
 */
resolved: string, 
/**
 * What the caller should know but that did not stop the apply (a deprecated preset).
 */
warnings: Array<string>, content_hash: string, agent: string, workspace: string, dry_run: boolean, changes: Array<FileChange>, };

export type ApprovalInput = { 
/**
 * A subset of the requested scope; the requested scope when absent.
 */
scope: Array<string> | null, note: string | null, 
/**
 * The approval lapses if nothing is installed within this many seconds.
 */
valid_for_secs: number | null, };

export type Attestation = { seq: number, agent: string, created_at: string, persona_hash: string, plan_hash: string, published_hash: string | null, drift: boolean, 
/**
 * The in-toto statement, canonical JSON.
 */
statement: string, 
/**
 * Set when enforcement is `observe` and the compile drifted.
 */
warning: string | null, };

export type AttestedPlan = { plan: PromptPlan, attestation: Attestation, };

export type Attribute = "size" | "mtime" | "mode" | "content" | "file_type" | "link_target";

export type AuditEntry = { seq: number, ts: string, tenant: string, actor: string, kind: string, data: unknown, prev: string, };

export type AuditFilter = { 
/**
 * An exact kind (`persona.published`) or a prefix ending in `.` (`integrity.`).
 */
kind: string | null, actor: string | null, since: string | null, until: string | null, limit: number | null, };

export type AuditRecord = { entry: AuditEntry, hash: string, };

export type Autonomy = "ask_first" | "balanced" | "autonomous";

export type BackupLocation = { "kind": "destination", label: string, name: string | null, } | { "kind": "file", path: string, };

export type BackupRecord = { id: string, destination_id: string | null, 
/**
 * `local`, `drive`, `s3`, `webdav` or `file` (manual export).
 */
dest_kind: string, dest_label: string, 
/**
 * The backup's name at the destination, or the file of a manual export.
 */
location: string, created_at: string, size: number, sha256: string, part_count: number, verified: boolean, verified_at: string | null, restore_tested_at: string | null, deleted_at: string | null, };

export type BackupVerifyReport = { location: string, preview: Preview, archive_size: number, archive_sha256: string, part_count: number, database_integrity: string, };

export type Baseline = { agent: string, workspace: string, recorded_at: string, files: Array<FileState>, watch_list: Array<string>, };

export type BreakGlass = { id: string, reason: string, opened_by: string, opened_at: string, expires_at: string, closed_at: string | null, closed_by: string | null, state: BreakGlassState, };

export type BreakGlassState = "open" | "closed" | "expired";

export type BreakGlassStatus = { open: boolean, remaining_secs: number | null, latest: BreakGlass | null, };

export type Budget = { files: Array<FileBudget>, total_chars: number, total_budget_chars: number, };

export type Capability = { content_hash: string, origin: CatalogOrigin, updated_at: string, 
/**
 * What it takes, in words: `Uses 1 slot and 12 MiB` ([`quota::words::uses`]).
 */
uses: string, kind: CapabilityKind, id: string, version: string, name: string, summary: string, risk: RiskLevel, 
/**
 * What it may touch, such as `mail:read` or `browser:automate`.
 */
scope: Array<string>, trust: TrustTier, 
/**
 * Ability slots it uses while installed.
 */
slots: number, storage_bytes: number, 
/**
 * Declared traits the onboarding recommender matches (email, voice, team, …).
 */
traits: Array<string>, };

export type CapabilityKind = "skill" | "library" | "device";

export type CatalogFilter = { kind: CapabilityKind | null, 
/**
 * Case-insensitive text matched against id, name, summary and traits.
 */
query: string | null, };

export type CatalogOrigin = "starter" | "admin";

export type Change = { path: string, kind: ChangeKind, changed: Array<Attribute>, old_sha256: string | null, new_sha256: string | null, };

export type ChangeAction = "triage" | "approve" | "reject" | "apply";

export type ChangeComment = { id: string, change_id: string, author: string, body: string, created_at: string, };

export type ChangeDetail = { request: ChangeRequest, comments: Array<ChangeComment>, };

export type ChangeKind = "added" | "removed" | "modified";

export type ChangeRequest = { id: string, title: string, description: string, target_preset: string | null, target_agent: string | null, state: ChangeState, submitted_by: string, submitted_at: string, updated_at: string, updated_by: string, comments: number, };

export type ChangeState = "submitted" | "triage" | "approved" | "rejected" | "applied";

export type Check = { name: string, ok: boolean, detail: string, fix: string | null, };

export type Choice = { preset: string, capabilities: Array<string>, 
/**
 * Community capabilities chosen explicitly, after their warning.
 */
community: Array<string>, };

export type ChosenCapability = { id: string, name: string, slots: number, storage_bytes: number, official: boolean, 
/**
 * In the recommended bundle.
 */
recommended: boolean, 
/**
 * Already installed: it costs nothing more.
 */
installed: boolean, 
/**
 * A request for it is already waiting: it is counted among the requested.
 */
requested: boolean, warning: string | null, 
/**
 * What it takes, in words: `Uses 1 slot and 12 MiB`.
 */
uses: string, };

export type ChosenPreset = { id: string, name: string, mode: Mode, recommended: boolean, score: number | null, };

export type ClawExport = { 
/**
 * The npm name.
 */
name: string, 
/**
 * The package version.
 */
version: string, 
/**
 * The preset's content hash, as recorded in the package.
 */
content_hash: string, 
/**
 * The package's files, package-relative.
 */
files: Array<string>, 
/**
 * The folder written, if any.
 */
dir: string | null, 
/**
 * The tarball written, if any.
 */
tgz: string | null, 
/**
 * sha256 of the tarball, when one was written.
 */
tgz_sha256: string | null, };

export type Condition = { question: string, any_of: Array<string>, };

export type ConfigDiff = { 
/**
 * The entry as it is (after `$include`s; its `id` left out in a legacy list).
 */
before: Record<string, unknown>, 
/**
 * The entry as the sync would leave it.
 */
after: Record<string, unknown>, 
/**
 * The managed keys that change, in [`MANAGED_KEYS`] order.
 */
changes: Array<KeyChange>, };

export type ConfigSource = "explicit" | "config_path_env" | "state_dir_env" | "default";

export type ConfigWriter = { 
/**
 * Who writes.
 */
kind: WriterKind, 
/**
 * The OpenClaw CLI used, when it is the writer.
 */
openclaw_bin: string | null, };

export type Conflict = { key: string, winner: SettingValue, overridden: Array<SettingValue>, locked_to_spec: boolean, };

export type Constitution = { 
/**
 * 1..=100 rules with unique ids.
 */
rules: Array<Rule>, };

export type Customization = { 
/**
 * The choice, normalized.
 */
choice: Choice, preset: ChosenPreset, capabilities: Array<ChosenCapability>, tier: Tier, slots_installed: number, 
/**
 * Slots that requests already waiting will take (each accept adds requests, so the next
 * one counts them).
 */
slots_requested: number, 
/**
 * Installed, requested and added by this choice.
 */
slots_used: number, slots_limit: number, storage_installed: number, storage_requested: number, storage_used: number, storage_limit: number, fits: boolean, 
/**
 * Why it does not fit, with the numbers; empty when it fits.
 */
over: Array<string>, 
/**
 * The smallest larger tier that would hold it, when it does not fit.
 */
upgrade: Tier | null, warnings: Array<string>, 
/**
 * The slot meter in words: `Uses 2 of your 3 slots on Pro`.
 */
slots_text: string, 
/**
 * The storage meter in words: `Uses 12 MiB of your 1 GiB of storage`.
 */
storage_text: string, 
/**
 * What the slot meter counts besides this choice, in words; `None` when nothing waits.
 */
counted_text: string | null, };

export type Decided = { review: FileReview, draft: string | null, 
/**
 * What the owner should know about the draft: the template's `{{placeholders}}` that the
 * agent's rendered text replaced, to put back before publishing.
 */
draft_notice: string | null, };

export type DecisionPolicy = { autonomy: Autonomy, 
/**
 * Situations that go to a human; at most 50, each 1..=500 characters.
 */
escalate_when?: Array<string>, 
/**
 * Actions that need confirmation first; at most 50, each 1..=500 characters.
 */
confirm_before?: Array<string>, };

export type DestinationConfig = { "kind": "local", path: string, } | { "kind": "drive", uuid: string, path: string, } | { "kind": "s3", endpoint: string, bucket: string, region: string, root: string, } | { "kind": "webdav", endpoint: string, root: string, username: string, };

export type DestinationInfo = { id: string, label: string, config: DestinationConfig, keep_last: number, created_at: string, };

export type DestinationSpec = { "kind": "local", path: string, } | { "kind": "drive", uuid: string, 
/**
 * Folder on the drive, relative to its mount point.
 */
path: string, } | { "kind": "s3", endpoint: string, bucket: string, region: string, root: string, access_key_id: string, secret_access_key: string, } | { "kind": "webdav", endpoint: string, root: string, username: string, password: string, };

export type DiffRow = { kind: RowKind, old_line: number | null, new_line: number | null, text: string, };

export type DoctorReport = { home: string, ok: boolean, checks: Array<Check>, };

export type DriftAlert = { agent: string, 
/**
 * Changed files; 0 when the check could not run.
 */
changes: number, 
/**
 * Why the check could not run (a missing folder, say).
 */
problem: string | null, 
/**
 * The changed files whose policy is `locked` (`persona::preset::policy`): each one is a
 * violation the owner should revert (enforcement `enforce` reverts them at once).
 */
locked: Array<string>, };

export type DriftItem = { "kind": "workspace_moved", 
/**
 * The folder we baselined.
 */
baseline: string, 
/**
 * The folder OpenClaw uses.
 */
openclaw: string, } | { "kind": "file", 
/**
 * Relative to the workspace.
 */
path: string, 
/**
 * Added, removed or modified.
 */
change: ChangeKind, 
/**
 * Lines added and removed (0 when either side is binary or too large to keep).
 */
lines_added: number, 
/**
 * Lines removed.
 */
lines_removed: number, } | { "kind": "config_entry", 
/**
 * Where the entry is now.
 */
entry_path: string, 
/**
 * Each key that differs: `before` is what we recorded, `after` what is there now.
 */
changes: Array<KeyChange>, };

export type DriftReport = { agent: string, workspace: string, baseline_recorded_at: string, files_checked: number, changes: Array<Change>, exit_code: number, };

export type EditorProblem = { file: string, pointer: string, message: string, };

export type Enforcement = "off" | "observe" | "enforce";

export type ExportOutcome = { record: BackupRecord, 
/**
 * Archive entries: the database snapshot and the tenant's files.
 */
entries: number, 
/**
 * The tenant's files in the archive (as [`Preview::files`] counts them).
 */
files: number, data_size: number, 
/**
 * Backups that retention removed from the destination.
 */
retention_deleted: Array<string>, 
/**
 * Unfinished backups (from a crash or kill) that were cleaned up first.
 */
cleaned_incomplete: Array<string>, 
/**
 * Files of the tenant's folder that were not backed up, and why (also in the manifest).
 */
skipped: Array<SkippedFile>, 
/**
 * The passphrase was created by this export: show it to the user now.
 */
passphrase_created: boolean, };

export type FileAction = "create" | "update" | "unchanged" | "kept_agent_file";

export type FileBudget = { file: PersonaFile, original_chars: number, used_chars: number, budget_chars: number, truncated: boolean, included: boolean, };

export type FileChange = { file: string, action: FileAction, 
/**
 * A unified diff from the current file to the rendered one (empty when unchanged or kept).
 */
diff: string, sha256: string, };

export type FileDiff = { path: string, baseline: string | null, current: string | null, 
/**
 * Side-by-side rows; empty unless both sides are text.
 */
rows: Array<DiffRow>, };

export type FileKind = "file" | "directory" | "symlink" | "fifo" | "socket" | "block_device" | "char_device" | "unknown";

export type FileOutcome = { agent: string, 
/**
 * Relative to the workspace; `openclaw.json` is the agent's OpenClaw config entry.
 */
path: string, policy: FilePolicy, kind: ChangeKind, 
/**
 * The approved (baseline) sha256, `sha256:<hex>`; `None` for a file that appeared.
 */
old_sha256: string | null, 
/**
 * The sha256 on disk; `None` for a file that was removed.
 */
new_sha256: string | null, outcome: Outcome, 
/**
 * The file review, for `review` files.
 */
change_id: string | null, 
/**
 * True the first time a scan sees these bytes.
 */
new: boolean, 
/**
 * Why a locked change was not written back under `enforce`, or what else to know.
 */
detail: string | null, };

export type FilePolicy = "locked" | "review" | "agent_editable";

export type FileReview = { change_id: string, agent: string, path: string, policy: FilePolicy, state: ChangeState, 
/**
 * The approved sha256 (`None`: the file was not there).
 */
old_sha256: string | null, 
/**
 * The sha256 under review (`None`: the file was removed).
 */
new_sha256: string | null, 
/**
 * The approved text against the new text, side by side.
 */
diff: FileDiff, 
/**
 * The prompt plan hash with the approved text (persona files only).
 */
plan_before: string | null, 
/**
 * The prompt plan hash with the new text.
 */
plan_after: string | null, 
/**
 * The titles of the plan's sections whose text differs.
 */
sections_changed: Array<string>, opened_at: string, updated_at: string, };

export type FileState = { path: string, 
/**
 * What is at the path (`lstat`): a link is a link.
 */
file_type: FileKind, 
/**
 * For a symbolic link, where it points, as written in the link.
 */
link_target: string | null, 
/**
 * Bytes of content read (0 when none is read).
 */
size: number, mtime_ns: number, mode: number, 
/**
 * The sha256 of the content read (of no bytes when none is read).
 */
sha256: string, };

export type FileStatus = "unchanged" | "changed" | "missing";

export type FileVersion = { agent: string, 
/**
 * Relative to the agent's workspace, `/`-separated.
 */
path: string, 
/**
 * `sha256:<hex>`, the text `canon::Digest` prints.
 */
sha256: string, 
/**
 * Bytes of the file.
 */
size: number, source: VersionSource, 
/**
 * A member id, or `system`.
 */
actor: string, recorded_at: string, 
/**
 * False when only the hash is kept (content over the limit, unreadable, not a regular
 * file): [`content`] cannot give it back.
 */
kept: boolean, };

export type Identity = { 
/**
 * 1..=80 characters.
 */
name: string, 
/**
 * 1..=500 characters.
 */
purpose: string, 
/**
 * At most 200 characters.
 */
vibe?: string, 
/**
 * At most 16 characters (Unicode scalar values, so most emoji sequences fit).
 */
emoji?: string, };

export type ImportAction = "imported" | "would_import" | "already_managed" | "skipped";

export type ImportReport = { 
/**
 * The config file read.
 */
config_path: string, 
/**
 * Nothing was written.
 */
dry_run: boolean, 
/**
 * Each agent, in the config's order.
 */
agents: Array<AgentImport>, };

export type InitRequest = { tenant_name: string, owner_name: string, tier: Tier, };

export type InstallRequest = { id: string, capability_id: string, capability_version: string, content_hash: string, requested_scope: Array<string>, reason: string, requested_by: string, requested_at: string, expires_at: string, state: InstallState, decided_by: string | null, decided_at: string | null, decision_note: string | null, approved_scope: Array<string> | null, approval_valid_until: string | null, break_glass_id: string | null, slots: number | null, storage_bytes: number | null, installed_at: string | null, uninstalled_at: string | null, };

export type InstallState = "pending" | "approved" | "rejected" | "expired" | "installed" | "uninstalled";

export type InstalledCapability = { request_id: string, capability_id: string, name: string, kind: CapabilityKind, version: string, content_hash: string, scope: Array<string>, slots: number, storage_bytes: number, installed_at: string, break_glass_id: string | null, 
/**
 * What it takes, in words: `Uses 1 slot and 12 MiB`.
 */
uses: string, };

export type IntegrityChanged = { 
/**
 * The agents scanned.
 */
agents: Array<string>, 
/**
 * Files whose edit the scan handled (accepted, reviewed, violations).
 */
files: Array<FileOutcome>, 
/**
 * `locked` files found changed.
 */
violations: Array<FileOutcome>, 
/**
 * File reviews still waiting for a decision, for the agents scanned.
 */
reviews_pending: number, };

export type IntegrityPage = { agents: Array<AgentFiles>, enforcement: Enforcement, 
/**
 * What history keeps, compressed, in bytes.
 */
history_bytes: number, };

export type IntentModule = { 
/**
 * lower_snake_case, unique within `intent_modules`.
 */
id: string, 
/**
 * The intent that triggers the module, 1..=500 characters.
 */
when: string, 
/**
 * 1..=30 steps, each 1..=1000 characters.
 */
procedure: Array<string>, 
/**
 * 1..=4 distinct contexts, compatible with `visibility`.
 */
contexts: Array<InteractionContext>, visibility: Visibility, };

export type InteractionContext = "owner_training" | "owner_chat" | "public_share" | "public_widget";

export type IpcError = { code: string, message: string, };

export type KeyChange = { 
/**
 * The key.
 */
key: string, 
/**
 * Its value now.
 */
before: unknown, 
/**
 * Its value after the sync.
 */
after: unknown, };

export type LabelInfo = { label: string, version: number, };

export type Layer = { "type": "file", file: PersonaFile, line: number, } | { "type": "spec", pointer: string, };

export type Layout = "entries" | "legacy_list" | "implicit";

export type LevelsSource = "given" | "table" | "unknown";

export type Lifecycle = "active" | "deprecated";

export type ManagedFile = { path: string, policy: FilePolicy, 
/**
 * The policy rule's pattern that applies.
 */
rule: string, approved_sha256: string | null, current_sha256: string | null, status: FileStatus, 
/**
 * Its kept versions, newest first.
 */
versions: Array<FileVersion>, 
/**
 * Its open review, if any.
 */
review: string | null, };

export type MemberInfo = { id: string, display_name: string, role: Role, };

export type MemberSummary = { id: string, display_name: string, role: Role, has_passphrase: boolean, unlocked_until: string | null, acting: boolean, };

export type Mode = "team" | "individual";

export type ModelLevels = { 
/**
 * The agent's model id, if it has one.
 */
model: string | null, 
/**
 * Its levels, lowest first (empty when unknown).
 */
levels: Array<string>, 
/**
 * Where they came from.
 */
source: LevelsSource, 
/**
 * The table version consulted (`None` when the caller listed the levels).
 */
table_version: number | null, };

export type NewChange = { title: string, description: string, target_preset: string | null, target_agent: string | null, };

export type OurAgent = { 
/**
 * Our agent name (the same as the OpenClaw id).
 */
agent: string, 
/**
 * The workspace we baselined.
 */
baseline_workspace: string, 
/**
 * When the baseline was recorded or last accepted.
 */
baseline_recorded_at: string, 
/**
 * The preset last applied to it, if any.
 */
preset: AppliedPreset | null, 
/**
 * Its active published spec version and persona hash, if any.
 */
active_spec: number | null, 
/**
 * The active spec's persona hash.
 */
persona_hash: string | null, };

export type Outcome = "accepted" | "review_opened" | "review_updated" | "review_pending" | "violation" | "reverted";

export type OutputFormat = "markdown" | "plain" | "json";

export type Part = { text: string, source: Source, };

export type PersonaFile = "SOUL.md" | "USER.md" | "IDENTITY.md" | "AGENTS.md";

export type PersonaSpec = { 
/**
 * Always 1 for this format.
 */
schema_version: number, 
/**
 * lower_snake_case, at most 64 characters.
 */
id: string, 
/**
 * The spec's own revision, 1..=1,000,000.
 */
version: number, mode: Mode, identity: Identity, constitution: Constitution, decision_policy: DecisionPolicy, style: Style, 
/**
 * Always present in JSON, possibly empty.
 */
intent_modules: Array<IntentModule>, tool_policy: ToolPolicy, reasoning: Reasoning, 
/**
 * Anything else, kept as-is and never interpreted.
 */
extensions?: Record<string, unknown>, };

export type PolicyLine = { 
/**
 * A file name (`SOUL.md`, [`OPENCLAW_ENTRY`]) or a pattern (`memory/**`).
 */
path: string, 
/**
 * The policy it gets.
 */
policy: FilePolicy, 
/**
 * The pattern of the first rule that matched it.
 */
rule: string, };

export type PolicyRule = { 
/**
 * A workspace-relative, '/'-separated path (`SOUL.md`) or glob (`memory/**`, `notes/*.md`);
 * `*` stays within one folder, `**` crosses folders. [`OPENCLAW_ENTRY`] names the agent's
 * entry in OpenClaw's config.
 */
path: string, 
/**
 * What a change to a matching file is.
 */
policy: FilePolicy, };

export type PresetBundle = { manifest: PresetManifest, files: { [key in string]?: string }, };

export type PresetCheck = { problems: Array<EditorProblem>, 
/**
 * The content hash the texts would publish under; `None` while there are problems.
 */
content_hash: string | null, 
/**
 * The `{{variables}}` the templates use, which apply must be given.
 */
variables: Array<string>, 
/**
 * The self-edit policy each managed file gets from `file_policy` and the defaults
 * (`FilePolicies::summary`); empty while there are problems.
 */
file_policies: Array<PolicyLine>, };

export type PresetFilter = { query: string | null, tag: string | null, mode: Mode | null, trust: Trust | null, include_deprecated: boolean, };

export type PresetManifest = { format_version: number, id: string, name: string, description: string, tags: Array<string>, mode: Mode, trust: Trust, 
/**
 * What the onboarding recommender matches answers against.
 */
traits: Array<string>, spec: PersonaSpec, 
/**
 * Per-file policies (issue 14), tried in order before the defaults
 * ([`policy::FilePolicies::effective`]). Left out of `preset.json` when empty, so a preset
 * without rules keeps the content hash it had before the field existed.
 */
file_policy?: Array<PolicyRule>, };

export type PresetSummary = { id: string, name: string, description: string, tags: Array<string>, traits: Array<string>, mode: Mode, trust: Trust, lifecycle: Lifecycle, latest_published: number | null, draft: number | null, labels: Array<LabelInfo>, content_hash: string, };

export type PresetTexts = { manifest: string, files: { [key in string]?: string }, };

export type PresetVersion = { id: string, version: number, state: VersionState, bundle: PresetBundle, content_hash: string, parent_hash: string | null, created_at: string, published_at: string | null, };

export type Preview = { created_at: string, app_version: string, schema_version: number, format_version: number, tenant_id: string, tenant_name: string, counts: Record<string, number>, files: number, data_size: number, };

export type Problem = { 
/**
 * RFC 6901 JSON pointer to the offending (or missing) value; `""` is the whole document.
 */
pointer: string, 
/**
 * A stable rule code (for persona specs, one of `persona::spec::RULE_CODES`).
 */
rule: string, 
/**
 * What is wrong and how to fix it, for people.
 */
message: string, };

export type Progress = { stage: Stage, done: number, total: number, };

export type PromptPlan = { sections: Array<Section>, settings: Array<[string, SettingValue]>, conflicts: Array<Conflict>, warnings: Array<Warning>, budget: Budget, trace: Trace, };

export type Question = { id: string, kind: QuestionKind, prompt: string, options: Array<AnswerOption>, 
/**
 * Every condition must hold for the question to be shown.
 */
show_if: Array<Condition>, min_len: number | null, max_len: number | null, };

export type QuestionKind = "single" | "multiple" | "text";

export type QuotaUsage = { tier: Tier, slots_used: number, slots_limit: number, storage_used: number, storage_limit: number, installed: number, 
/**
 * Requests waiting for approval or install.
 */
requested: number, 
/**
 * Slots the waiting requests would add (their catalog entries' slots).
 */
slots_requested: number, 
/**
 * Bytes the waiting requests would add.
 */
storage_requested: number, 
/**
 * Set when what is installed plus every waiting request would not fit the tier: the
 * numbers, and that some requests cannot be installed unless others are rejected or
 * uninstalled, or the tier grows.
 */
overcommitted: string | null, 
/**
 * The slot meter in words: `Uses 1 of your 3 slots on Pro` ([`words::slots_of_plan`]).
 */
slots_text: string, 
/**
 * The storage meter in words: `Uses 12 MiB of your 1 GiB of storage`.
 */
storage_text: string, 
/**
 * What waiting requests would add, in words; `None` when none waits.
 */
waiting_text: string | null, };

export type Reason = { question: string, option: string, trait: string, weight: number, };

export type Reasoning = { preferred: ReasoningLevel, 
/**
 * Whether the reasoning is shown (OpenClaw's `reasoningDefault`); absent means the
 * runtime's default (hidden).
 */
visibility?: ReasoningVisibility, };

export type ReasoningLevel = "off" | "minimal" | "low" | "medium" | "high" | "xhigh" | "adaptive" | "max" | "ultra";

export type ReasoningSource = "preferred" | "highest_supported" | "model_default";

export type ReasoningVisibility = "off" | "on" | "stream";

export type Recommendation = { bank_version: number, scoring_version: number, inputs_hash: string, mode: Mode, preset: ScoredPreset, runners_up: Array<ScoredPreset>, capabilities: Array<ScoredCapability>, optional_community: Array<ScoredCapability>, trimmed: Array<Trimmed>, tier: Tier, slots_used: number, slots_limit: number, storage_used: number, storage_limit: number, reasoning: ResolvedReasoning, harness_profile: unknown, };

export type ReminderStatus = { 
/**
 * A reminder should be shown now.
 */
due: boolean, last_verified_at: string | null, 
/**
 * Whole days since the last verified backup; `None` when there never was one.
 */
last_verified_days_ago: number | null, snoozed_until: string | null, 
/**
 * The passphrase was never shown, or not confirmed for 90 days.
 */
passphrase_check_due: boolean, 
/**
 * "Last verified backup: N days ago" (or "never").
 */
summary: string, };

export type RequestInput = { capability_id: string, 
/**
 * A subset of the capability's declared scope; all of it when absent.
 */
scope: Array<string> | null, reason: string | null, 
/**
 * How long the request may stay pending (default 7 days, at most 90).
 */
ttl_secs: number | null, };

export type RequestedCapability = { capability_id: string, request_id: string, 
/**
 * The state when accepting (pending, unless an open break-glass override installed it).
 */
state: InstallState, };

export type ResolvedReasoning = { 
/**
 * The level to send: one of ours in its exact spelling (`"xhigh"`), or the model's own name
 * as it lists it, trimmed (`"normal"`). `None` exactly when `source` is
 * [`ReasoningSource::ModelDefault`].
 */
level: string | null, 
/**
 * Why this level.
 */
source: ReasoningSource, };

export type RestoreReport = { into: string, 
/**
 * Where the previous contents of `into` were moved, if there were any.
 */
safety_copy: string | null, preview: Preview, };

export type RestoreTarget = { "kind": "new", into: string, } | { "kind": "data_folder", into: string, safety_copy: string, } | { "kind": "other_files", into: string, safety_copy: string, entries: number, };

export type RevealedPassphrase = { passphrase: string, warning: string, };

export type Reverted = { agent: string, path: string, 
/**
 * The sha256 now on disk, `sha256:<hex>`.
 */
sha256: string, 
/**
 * The file's permission bits afterwards.
 */
mode: number, 
/**
 * False when the file and its approved state already were that version: nothing was
 * written or audited.
 */
changed: boolean, };

export type RiskLevel = "low" | "medium" | "high" | "critical";

export type Role = "owner" | "admin" | "customer";

export type RowKind = "same" | "removed" | "added";

export type Rule = { 
/**
 * lower_snake_case, unique within the constitution.
 */
id: string, 
/**
 * 1..=2000 characters.
 */
text: string, severity: Severity, };

export type ScanReport = { 
/**
 * Each agent scanned.
 */
agents: Array<AgentScan>, 
/**
 * Locked changes still in place (not written back).
 */
violations: Array<FileOutcome>, 
/**
 * Open file reviews after the scan.
 */
reviews_pending: number, 
/**
 * Why the OpenClaw config could not be read (the files were scanned all the same).
 */
openclaw_error: string | null, };

export type ScoredCapability = { id: string, name: string, score: number, slots: number, storage_bytes: number, official: boolean, 
/**
 * Added because personalized (individual) mode includes it by default.
 */
personalized_default: boolean, reasons: Array<Reason>, 
/**
 * Set for community capabilities, which are never preselected.
 */
warning: string | null, 
/**
 * Why, in one plain sentence built from the answers' phrases ([`explain`]).
 */
why: string, 
/**
 * What it takes, in words: `Uses 1 slot and 12 MiB`.
 */
uses: string, };

export type ScoredPreset = { id: string, name: string, score: number, reasons: Array<Reason>, 
/**
 * Why, in one plain sentence built from the answers' phrases ([`explain`]).
 */
why: string, };

export type Section = { kind: SectionKind, title: string, parts: Array<Part>, };

export type SectionKind = "governance" | "decision_policy" | "style" | "intent" | "tool_policy" | "evidence" | "user_message";

export type SelfAccess = { tenant: TenantInfo, member: MemberInfo, counts: SelfCounts, 
/**
 * Whether the acting member is unlocked for owner/admin actions, and until when.
 */
unlock: UnlockStatus, 
/**
 * Ability slots and storage used and allowed by the tier, from installed items.
 */
quota: QuotaUsage, installed: Array<InstalledCapability>, 
/**
 * Install requests waiting for a decision (expired ones are not pending).
 */
pending_requests: Array<InstallRequest>, break_glass: BreakGlassStatus, 
/**
 * Change requests that are submitted, in triage or approved.
 */
open_changes: Array<ChangeRequest>, 
/**
 * Agents whose workspace differs from its baseline (or cannot be checked).
 */
drift_alerts: Array<DriftAlert>, 
/**
 * Whether a backup is due, and "Last verified backup: N days ago".
 */
backup: ReminderStatus, };

export type SelfCounts = { members: number, audit_entries: number, catalog_entries: number, installed_capabilities: number, pending_requests: number, open_change_requests: number, };

export type SettingValue = { value: string, layer: Layer, };

export type Severity = "must" | "should";

export type SkipReason = "symlink" | "fifo" | "socket" | "device" | "name_not_utf8" | "name_too_long" | "path_too_long" | "too_deep" | "name_refused";

export type SkippedFile = { 
/**
 * The path relative to the tenant's folder (a name that is not UTF-8 shown with `\xNN`
 * escapes).
 */
path: string, reason: SkipReason, };

export type Source = { "type": "spec", pointer: string, } | { "type": "file", file: PersonaFile, start_line: number, end_line: number, } | { "type": "slot", name: string, };

export type SpecCheck = { problems: Array<Problem>, persona_hash: string | null, };

export type Stage = "snapshot" | "pack" | "encrypt" | "upload" | "verify" | "restore";

export type Status = { 
/**
 * The config file read.
 */
config_path: string, 
/**
 * How it was found.
 */
found_by: ConfigSource, 
/**
 * The install's state folder.
 */
state_dir: string, 
/**
 * Files read through `$include`, in order.
 */
includes: Array<string>, 
/**
 * How the config lists its agents.
 */
layout: Layout, 
/**
 * Every agent (or the one asked for), in the config's order.
 */
agents: Array<AgentStatus>, };

export type StoredVersion = { summary: VersionSummary, spec_json: string, };

export type Style = { verbosity: Verbosity, 
/**
 * At most 200 characters.
 */
tone?: string, output_format: OutputFormat, 
/**
 * A BCP-47-like language tag such as `en` or `pt-BR`.
 */
language?: string, };

export type SyncOutcome = { 
/**
 * The plan applied.
 */
plan: SyncPlan, 
/**
 * The workspace files written (created or updated).
 */
files_written: Array<string>, 
/**
 * Whether the config entry was written (false when it already matched).
 */
config_written: boolean, 
/**
 * The config entry's sha256 as recorded in its new baseline.
 */
entry_sha256: string, };

export type SyncPlan = { 
/**
 * `sha256:` of the canonical `body`.
 */
plan_hash: string, 
/**
 * [`PLAN_FORMAT`].
 */
format: string, 
/**
 * The agent id (ours and OpenClaw's).
 */
agent: string, 
/**
 * The config file the entry lives in.
 */
config_path: string, 
/**
 * Where the entry is in it (`agents.entries.exec`, `agents.list[0]`).
 */
entry_path: string, 
/**
 * The workspace OpenClaw uses for the agent.
 */
workspace: string, 
/**
 * The preset rendered into it.
 */
preset: AppliedPreset, 
/**
 * The active spec version whose values go into the entry.
 */
spec_version: number, 
/**
 * Its persona hash.
 */
persona_hash: string, 
/**
 * Each template file and what would happen to it.
 */
files: Array<FileChange>, 
/**
 * The levels the reasoning policy was resolved against.
 */
model_levels: ModelLevels, 
/**
 * The reasoning level picked for `thinkingDefault`, and why.
 */
reasoning: ResolvedReasoning, 
/**
 * The config entry before and after, and each managed key that changes.
 */
config: ConfigDiff, 
/**
 * Who writes the config.
 */
writer: ConfigWriter, 
/**
 * Things to know before applying (files OpenClaw would cut, levels it cannot take, what a
 * write of the config loses).
 */
warnings: Array<string>, };

export type TenantInfo = { id: string, name: string, tier: Tier, created_at: string, };

export type Tier = "free" | "pro" | "business";

export type ToolPolicy = { 
/**
 * Tool names such as `calendar.read`; at most 100, unique. Empty or absent: no tools.
 */
allowed_tools?: Array<string>, 
/**
 * Sources such as URLs or `internal:wiki`; at most 100, unique, each 1..=300 characters.
 */
allowed_sources?: Array<string>, require_citations: boolean, 
/**
 * Evidence older than this many days (1..=3650) is not to be relied on.
 */
max_evidence_age_days?: number, };

export type Trace = { interaction_context: InteractionContext, persona_spec_version: number, persona_id: string, persona_hash: string | null, plan_hash: string | null, fallback_reason: string | null, };

export type Trimmed = { capability: ScoredCapability, reason: string, 
/**
 * The smallest tier whose quota would include it, if any.
 */
upgrade: Tier | null, };

export type Trust = "official" | "community" | "local";

export type TrustTier = "official" | "community";

export type UnlockStatus = { member_id: string, role: Role, has_passphrase: boolean, unlocked: boolean, unlocked_until: string | null, };

export type Verbosity = "terse" | "balanced" | "detailed";

export type VerifyReport = { ok: boolean, entries: number, head: string | null, broken_seq: number | null, reason: string | null, checkpoint_seq: number | null, };

export type VersionSource = "baseline" | "sync" | "apply" | "import" | "agent_edit" | "revert";

export type VersionState = "draft" | "published";

export type VersionSummary = { agent: string, version: number, state: VersionState, persona_hash: string | null, created_at: string, published_at: string | null, active: boolean, 
/**
 * Why a draft has no hash: every problem [`draft_problems`] finds (empty when it is valid,
 * and for published versions).
 */
problems: Array<Problem>, };

export type Visibility = "public" | "owner_only" | "training_only";

export type Volume = { uuid: string, label: string | null, device: string, mount_point: string, removable: boolean, };

export type Warning = { code: string, message: string, };

export type WizardState = { bank_version: number, status: WizardStatus, 
/**
 * The questions asked with these answers, in order.
 */
questions: Array<Question>, answers: { [key in string]?: Answer }, 
/**
 * The index in `questions` of the question to ask now; `None` at the end (review).
 */
current: number | null, 
/**
 * The index of the first unanswered question (the resume point); `None` when complete.
 */
first_unanswered: number | null, complete: boolean, 
/**
 * Answers just removed because their question is no longer asked (or no longer valid for
 * this bank version), by question id.
 */
dropped: Array<string>, 
/**
 * `None` until the first answer is stored.
 */
started_at: string | null, updated_at: string | null, recommendation: Recommendation | null, 
/**
 * What accepting created, once accepted.
 */
accepted: AcceptOutcome | null, };

export type WizardStatus = "in_progress" | "accepted";

export type WriterKind = "openclaw_cli" | "persona_studio";
