//! Income and eligibility proposals on the server (issue 5, "use it"): the same pure rules the
//! tablet runs, applied to each case with the region's configuration kept in the data directory
//! (`region.toml`). A proposal is never a decision.

use crate::store::{Store, StoreError};
use jiuzhu_shared::rules::{ConfigError, Date, RegionConfig};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The example configuration, installed by `serve --demo` when none is present.
pub const EXAMPLE_CONFIG: &str = include_str!("../../config/regions/example.toml");

#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    #[error(
        "no regional rules are installed: run `jiuzhu-server admin set-rules --file region.toml`"
    )]
    NoRules,
    #[error("the regional rules in {path} are invalid: {error}")]
    Invalid { path: String, error: ConfigError },
    #[error(transparent)]
    Rules(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

pub fn config_path(data_root: &Path) -> PathBuf {
    data_root.join("region.toml")
}

/// The installed configuration, read fresh so `admin set-rules` takes effect without a restart.
pub fn load(data_root: &Path) -> Result<RegionConfig, ProposalError> {
    let path = config_path(data_root);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ProposalError::NoRules),
        Err(e) => return Err(e.into()),
    };
    RegionConfig::from_toml(&text).map_err(|error| ProposalError::Invalid {
        path: path.display().to_string(),
        error,
    })
}

/// Today in China (the date whose rule set applies).
pub fn today(now_s: i64) -> Date {
    Date::in_china(now_s)
}

pub use jiuzhu_shared::rules::{CaseProposals, for_case};

/// What the rules propose for `case` today, kept with its decision (渐退, 低保边缘): from the
/// verified figures when the visit is in, else the declared ones. None without rules installed.
pub fn assess(
    store: &dyn Store,
    data_root: &Path,
    case: jiuzhu_shared::CaseId,
    now_s: i64,
) -> Result<Option<crate::workflow::flow::Assessment>, ProposalError> {
    let config = match load(data_root) {
        Ok(c) => c,
        Err(ProposalError::NoRules) => return Ok(None),
        Err(e) => return Err(e),
    };
    let doc = crate::cases::load_case(store, case)
        .map_err(|e| ProposalError::Store(StoreError::Invalid(e.to_string())))?
        .read()
        .map_err(StoreError::from)?;
    let p = for_case(&config, &doc, today(now_s))?;
    let p = p.verified.as_ref().unwrap_or(&p.declared);
    Ok(Some(crate::workflow::flow::Assessment {
        edge: p.edge.proposed,
        phase_out: p.phase_out.as_ref().is_some_and(|o| o.proposed),
        config_version: p.config_version.clone(),
    }))
}

/// What a caseworker compares across configurations: eligibility and amount per scheme.
fn headline(p: &CaseProposals) -> serde_json::Value {
    let p = p.verified.as_ref().unwrap_or(&p.declared);
    serde_json::json!({
        "dibao": [p.dibao.proposed, p.dibao.amount_fen],
        "edge": [p.edge.proposed, p.edge.amount_fen],
        "rigid_expense": [p.rigid_expense.proposed, p.rigid_expense.amount_fen],
        "per_capita_monthly_income_fen": p.per_capita_monthly_income_fen,
    })
}

#[derive(Debug, Serialize)]
pub struct Changed {
    pub case_id: String,
    pub case_no: String,
    pub applicant: String,
    pub before: Option<serde_json::Value>,
    pub after: serde_json::Value,
}

/// Install a new regional configuration: validate it, recompute every case's proposal with the
/// old and the new rules, and list the cases whose proposal changed. The file is replaced
/// atomically, so a running server sees either the old or the new rules.
pub fn install(
    store: &dyn Store,
    data_root: &Path,
    text: &str,
    now_s: i64,
) -> Result<(String, Vec<Changed>), ProposalError> {
    let new = RegionConfig::from_toml(text)?;
    let old = match load(data_root) {
        Ok(c) => Some(c),
        Err(ProposalError::NoRules) => None,
        Err(e) => return Err(e),
    };
    let on = today(now_s);
    let version = new.version_on(on)?.version.clone();
    let mut changed = Vec::new();
    for view in store.list_cases()? {
        let case = crate::cases::load_case(store, view.case_id)
            .map_err(|e| ProposalError::Store(StoreError::Invalid(e.to_string())))?
            .read()
            .map_err(StoreError::from)?;
        let after = headline(&for_case(&new, &case, on)?);
        let before = match &old {
            Some(o) => for_case(o, &case, on).ok().map(|p| headline(&p)),
            None => None,
        };
        if before.as_ref() != Some(&after) {
            changed.push(Changed {
                case_id: view.case_id.to_string(),
                case_no: view.case_no,
                applicant: view.applicant,
                before,
                after,
            });
        }
    }
    let path = config_path(data_root);
    let tmp = path.with_extension("toml.new");
    std::fs::write(&tmp, text)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok((version, changed))
}
