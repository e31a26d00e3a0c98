//! Provisioning: putting a published persona where an agent runs. Above the persona and
//! integrity domains, because it joins them: it renders a preset version into an agent's
//! workspace ([`apply`]) and records the integrity baseline of what it wrote; [`applied`] reads
//! back which preset version each agent was given, and [`spec_draft`] starts an agent's next
//! spec draft from it.

pub mod applied;
pub mod apply;
pub mod spec_draft;
