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

/// Proposals for what the family declared and for what the latest visit verified (the latest
/// sealed visit if there is one, else the visit in progress): what the tablet shows side by side
/// and what the server computes for each case.
#[derive(Debug, serde::Serialize)]
pub struct CaseProposals {
    pub declared: Proposal,
    pub verified: Option<Proposal>,
}

pub fn for_case(
    config: &RegionConfig,
    case: &crate::schema::CaseDoc,
    on: Date,
) -> Result<CaseProposals, ConfigError> {
    let visit = case
        .visits
        .iter()
        .rev()
        .find(|v| v.finalized)
        .or_else(|| case.visits.last());
    Ok(CaseProposals {
        declared: assess(config, &Household::from_declared(case), on)?,
        verified: visit
            .map(|v| assess(config, &Household::from_visit(case, v), on))
            .transpose()?,
    })
}
pub use config::{ConfigError, RegionConfig, RuleSet};
pub use date::Date;
pub use household::{Area, Household, Member};
pub use proposal::{MemberOutcome, Outcome, Proposal, Section, Step};
