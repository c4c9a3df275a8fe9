//! Income and eligibility determination (domain §5, issue 5): pure, so the tablet computes offline
//! exactly what the server computes.
//!
//! * `config` — the regional TOML configuration: dated, versioned rule sets, validated on load.
//! * `household` — the input, built from the case document (`Household::from_visit`,
//!   `Household::from_declared`) or read as JSON.
//! * `assess` — the computation; it returns a `Proposal` (never a decision) whose steps explain
//!   every figure in Chinese.
//!
//! Money is integer 分 throughout; fractions of a fen are kept exact (`money::Frac`) and rounded
//! only where the configuration says how. `docs/rules.md` lists each rule, its legal source and
//! its configuration key.

pub mod assess;
pub mod config;
pub mod date;
pub mod household;
pub mod money;
pub mod proposal;

#[cfg(test)]
mod tests;

pub use assess::assess;
pub use config::{ConfigError, RegionConfig, RuleSet};
pub use date::Date;
pub use household::{Area, Household, Member};
pub use proposal::{Outcome, Proposal, Section, Step, TekunOutcome};
