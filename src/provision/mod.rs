//! Provisioning: putting a published persona where an agent runs. Above the persona and
//! integrity domains, because it joins them: it renders a preset version into an agent's
//! workspace ([`apply`]) and records the integrity baseline of what it wrote.

pub mod apply;
