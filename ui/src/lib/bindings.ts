// Generated from the Rust types by `cargo xtask bindings`. Do not edit by hand.

export type IpcError = { code: string, message: string, };

export type AppInfo = { version: string, home: string, };

export type Role = "owner" | "admin" | "customer";

export type Tier = "free" | "pro" | "business";

export type InitRequest = { tenant_name: string, owner_name: string, tier: Tier, };

export type TenantInfo = { id: string, name: string, tier: Tier, created_at: string, };

export type MemberInfo = { id: string, display_name: string, role: Role, };

export type SelfCounts = { members: number, audit_entries: number, };

export type SelfAccess = { tenant: TenantInfo, member: MemberInfo, counts: SelfCounts, };

export type Check = { name: string, ok: boolean, detail: string, fix: string | null, };

export type DoctorReport = { home: string, ok: boolean, checks: Array<Check>, };
