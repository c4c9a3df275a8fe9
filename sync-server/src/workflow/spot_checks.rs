//! 抽查: the banner bureau draws a sample of a period's cases to check itself (《特困人员认定办法》
//! Art. 16: at least 30% of new 特困 cases), records the draw with its seed, and each sampled case
//! gets a check task (open → done) with its outcome (核查结果). docs/workflow.md "Spot checks".
//!
//! The population of a draw: the cases of the chosen townships (all when none is chosen) whose
//! 受理 date falls in the chosen months, whatever their state now (a refused or ended case is
//! checked too: the check is of the township's work). Each case is in one stratum: 单独登记备案
//! (every one drawn), else a new 特困 application (the 特困 share, rounded up), else the rest
//! (the rest's share, rounded up).
//!
//! The draw is reproducible: the same seed and the same population give the same sample on any
//! machine and any later version. Each stratum is sorted by case id; the generator is ChaCha8
//! keyed with the SHA-256 of the seed's UTF-8 bytes; the 特困 stratum then the rest are sampled
//! by a partial Fisher–Yates shuffle, each index drawn from the stream's `u64`s by rejection
//! (no modulo bias) — only ChaCha8's stream is relied on, never a library's sampling routine.

use super::flow::Flow;
use super::flows::in_txn;
use super::{Result, Who, WorkflowError};
use crate::audit::AuditEvent;
use crate::review::{access, text};
use crate::store::{DocTxn, Item, Store, User};
use jiuzhu_shared::CaseId;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::{CaseKind, Programme, Role, SpotCheckShares};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const DRAW: &str = "spot_check_draw";
pub const CHECK: &str = "spot_check";

/// Longest note of a check's outcome or reopening.
const MAX_NOTE: usize = 500;
/// Longest seed a user may type (a generated one has 12 digits).
const MAX_SEED: usize = 64;

// ------------------------------------------------------------------------------- the pure draw

/// Why a case was drawn, which is also the stratum it was drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// 单独登记备案: every one is drawn.
    SeparatelyRegistered,
    /// A new 特困 application: the 特困 share.
    TekunNew,
    /// Any other case: the rest's share.
    Random,
}

impl Reason {
    pub fn zh(self) -> &'static str {
        match self {
            Reason::SeparatelyRegistered => "单独登记备案",
            Reason::TekunNew => "特困新增",
            Reason::Random => "随机",
        }
    }

    /// The stratum of a case: 单独登记备案 first, whatever the programme.
    pub fn of(flow: &Flow) -> Reason {
        if flow.facts.separately_registered {
            Reason::SeparatelyRegistered
        } else if flow.programme == Programme::Tekun && flow.kind == CaseKind::Application {
            Reason::TekunNew
        } else {
            Reason::Random
        }
    }
}

/// A draw's population, by stratum, each sorted by case id: the canonical order the draw reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Population {
    pub separately_registered: Vec<String>,
    pub tekun_new: Vec<String>,
    pub rest: Vec<String>,
}

impl Population {
    /// The population of these cases, in canonical order whatever the order given.
    pub fn of(cases: impl IntoIterator<Item = (String, Reason)>) -> Population {
        let mut p = Population::default();
        for (id, reason) in cases {
            p.stratum_mut(reason).push(id);
        }
        for s in [&mut p.separately_registered, &mut p.tekun_new, &mut p.rest] {
            s.sort();
            s.dedup();
        }
        p
    }

    fn stratum_mut(&mut self, reason: Reason) -> &mut Vec<String> {
        match reason {
            Reason::SeparatelyRegistered => &mut self.separately_registered,
            Reason::TekunNew => &mut self.tekun_new,
            Reason::Random => &mut self.rest,
        }
    }

    fn strata(&self) -> [(Reason, &[String]); 3] {
        [
            (Reason::SeparatelyRegistered, &self.separately_registered),
            (Reason::TekunNew, &self.tekun_new),
            (Reason::Random, &self.rest),
        ]
    }

    pub fn len(&self) -> usize {
        self.strata().iter().map(|(_, s)| s.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// SHA-256 (hex) of one line `stratum<TAB>case id` per case in canonical order: what a
    /// check of the record compares with the population read again.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        for (reason, ids) in self.strata() {
            let code = serde_json::to_value(reason).expect("a reason serialises");
            for id in ids {
                h.update(format!("{}\t{id}\n", code.as_str().unwrap_or_default()));
            }
        }
        hex::encode(h.finalize())
    }
}

/// One sampled case and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Pick {
    pub reason: Reason,
    pub case_id: String,
}

/// `percent` of `n` cases, rounded up (at least 30% means 1 of 1, 2 of 4).
pub fn quota(n: usize, percent: u32) -> usize {
    (n * percent as usize).div_ceil(100).min(n)
}

/// The generator of a seed: ChaCha8 keyed with SHA-256 of the seed's bytes.
fn rng_of(seed: &str) -> ChaCha8Rng {
    ChaCha8Rng::from_seed(Sha256::digest(seed.as_bytes()).into())
}

/// A uniform index below `bound` (> 0): a `u64` of the stream, drawn again while it falls in the
/// short tail that would favour small values.
fn below(rng: &mut ChaCha8Rng, bound: usize) -> usize {
    let bound = bound as u64;
    // 2^64 mod bound: the values under it are the biased tail.
    let tail = bound.wrapping_neg() % bound;
    loop {
        let x = rng.next_u64();
        if x >= tail {
            return (x % bound) as usize;
        }
    }
}

/// `k` of `ids` by a partial Fisher–Yates shuffle over their canonical order.
fn choose(rng: &mut ChaCha8Rng, ids: &[String], k: usize) -> Vec<String> {
    let mut v = ids.to_vec();
    for i in 0..k {
        let j = i + below(rng, v.len() - i);
        v.swap(i, j);
    }
    v.truncate(k);
    v
}

/// The sample of `population` for `seed`: every 单独登记备案 case, the 特困 share of the new 特困
/// cases and the rest's share of the others, sorted by reason and case id.
pub fn draw(population: &Population, shares: SpotCheckShares, seed: &str) -> Vec<Pick> {
    let mut rng = rng_of(seed);
    let pick =
        |reason, ids: Vec<String>| ids.into_iter().map(move |case_id| Pick { reason, case_id });
    let tekun = &population.tekun_new;
    let rest = &population.rest;
    let tekun = choose(&mut rng, tekun, quota(tekun.len(), shares.tekun_percent));
    let rest = choose(&mut rng, rest, quota(rest.len(), shares.rest_percent));
    let mut sample: Vec<Pick> = pick(
        Reason::SeparatelyRegistered,
        population.separately_registered.clone(),
    )
    .chain(pick(Reason::TekunNew, tekun))
    .chain(pick(Reason::Random, rest))
    .collect();
    sample.sort();
    sample
}

/// The months of a draw, `YYYY-MM` both, inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Months {
    pub from: String,
    pub to: String,
}

impl Months {
    pub fn new(from: &str, to: &str) -> Result<Months> {
        let month = |m: &str| {
            let m = m.trim();
            format!("{m}-01")
                .parse::<Date>()
                .ok()
                .filter(|_| m.len() == 7)
                .map(|_| m.to_string())
        };
        match (month(from), month(to)) {
            (Some(from), Some(to)) if from <= to => Ok(Months { from, to }),
            _ => Err(WorkflowError::Invalid(text::SPOT_CHECK_PERIOD.into())),
        }
    }

    pub fn contains(&self, day: Date) -> bool {
        let month = &day.to_string()[..7];
        self.from.as_str() <= month && month <= self.to.as_str()
    }
}

/// The population among `flows`: the cases of `townships` (all when empty) accepted (受理) in
/// `months`.
pub fn population(flows: &[Flow], townships: &[String], months: &Months) -> Population {
    Population::of(
        flows
            .iter()
            .filter(|f| townships.is_empty() || townships.contains(&f.township))
            .filter(|f| f.accepted.is_some_and(|d| months.contains(d)))
            .map(|f| (f.case_id.clone(), Reason::of(f))),
    )
}

/// A recorded draw: everything needed to draw it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draw {
    pub id: String,
    /// `CC-YYYYMMDD-NNNN`.
    pub no: String,
    pub seed: String,
    pub months: Months,
    /// Empty: every township.
    pub townships: Vec<String>,
    pub shares: SpotCheckShares,
    pub population: Population,
    pub population_hash: String,
    pub sample: Vec<Pick>,
    pub by: String,
    pub at: i64,
}

/// The sample drawn again from the record's seed, shares and population: equal to the recorded
/// sample unless the record was altered.
pub fn redraw(d: &Draw) -> Vec<Pick> {
    draw(&d.population, d.shares, &d.seed)
}

// ------------------------------------------------------------------------------ the check tasks

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    Open,
    Done,
}

impl CheckState {
    pub fn zh(self) -> &'static str {
        match self {
            CheckState::Open => "待核查",
            CheckState::Done => "已核查",
        }
    }
}

/// 核查结果.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// 属实: the case is as the file says.
    Confirmed,
    /// 不属实，需整改: the township must correct it.
    NeedsCorrection,
    /// 无法核查: nobody found, moved away…
    Unverifiable,
}

impl Finding {
    pub fn zh(self) -> &'static str {
        match self {
            Finding::Confirmed => "属实",
            Finding::NeedsCorrection => "不属实，需整改",
            Finding::Unverifiable => "无法核查",
        }
    }
}

/// One step of a check: its outcome recorded, or the check opened again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The outcome; none when the step reopened the check.
    pub finding: Option<Finding>,
    pub note: String,
    pub by: String,
    pub at: i64,
}

/// A sampled case's check task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub id: String,
    pub draw_id: String,
    pub draw_no: String,
    pub case_id: String,
    pub case_no: String,
    pub township: String,
    pub reason: Reason,
    pub state: CheckState,
    pub steps: Vec<Step>,
}

impl Check {
    /// The outcome in force: the last step of a done check.
    pub fn outcome(&self) -> Option<&Step> {
        self.steps
            .last()
            .filter(|s| self.state == CheckState::Done && s.finding.is_some())
    }

    pub fn json(&self) -> Value {
        let step = |s: &Step| {
            json!({"finding": s.finding, "finding_zh": s.finding.map(Finding::zh),
                   "note": s.note, "by": s.by, "at": s.at})
        };
        json!({
            "id": self.id, "draw_id": self.draw_id, "draw_no": self.draw_no,
            "case_id": self.case_id, "case_no": self.case_no, "township": self.township,
            "reason": self.reason, "reason_zh": self.reason.zh(),
            "state": self.state, "state_zh": self.state.zh(),
            "outcome": self.outcome().map(step),
            "steps": self.steps.iter().map(step).collect::<Vec<_>>(),
        })
    }
}

impl Draw {
    /// The draw as a user sees it, with the tasks they may see (its population as counts).
    pub fn json(&self, tasks: &[Check]) -> Value {
        let p = &self.population;
        let drawn = |r: Reason| self.sample.iter().filter(|s| s.reason == r).count();
        json!({
            "id": self.id, "no": self.no, "seed": self.seed,
            "from": self.months.from, "to": self.months.to, "townships": self.townships,
            "tekun_percent": self.shares.tekun_percent, "rest_percent": self.shares.rest_percent,
            "population": {
                "separately_registered": p.separately_registered.len(),
                "tekun_new": p.tekun_new.len(), "rest": p.rest.len(), "total": p.len(),
            },
            "sampled": {
                "separately_registered": drawn(Reason::SeparatelyRegistered),
                "tekun_new": drawn(Reason::TekunNew), "rest": drawn(Reason::Random),
                "total": self.sample.len(),
            },
            "population_hash": self.population_hash,
            "reproduced": redraw(self) == self.sample,
            "by": self.by, "at": self.at,
            "tasks": tasks.iter().map(Check::json).collect::<Vec<_>>(),
        })
    }
}

// --------------------------------------------------------------------------------- the records

/// What the bureau asks for: the months, the townships (none: all), the shares (none: the
/// regional defaults) and the seed (none: the server makes one).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DrawRequest {
    pub from: String,
    pub to: String,
    pub townships: Vec<String>,
    pub tekun_percent: Option<u32>,
    pub rest_percent: Option<u32>,
    pub seed: Option<String>,
}

/// Spot checks are the bureau's: it draws, records outcomes and reopens; townships read theirs.
fn bureau_only(who: &Who) -> Result<()> {
    if who.role == Role::Bureau {
        Ok(())
    } else {
        Err(WorkflowError::Forbidden(
            text::SPOT_CHECK_BUREAU_ONLY.into(),
        ))
    }
}

/// A fresh seed: 12 decimal digits, easy to read out and write down.
fn new_seed() -> String {
    format!("{:012}", rand::random::<u64>() % 1_000_000_000_000)
}

fn seed_of(given: Option<&str>) -> Result<String> {
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(new_seed()),
        Some(s) if s.chars().count() <= MAX_SEED => Ok(s.to_string()),
        Some(_) => Err(WorkflowError::Invalid(text::SPOT_CHECK_SEED.into())),
    }
}

fn note_of(note: &str, required: bool) -> Result<String> {
    let note = note.trim();
    if required && note.chars().count() < 2 {
        return Err(WorkflowError::Invalid(
            text::SPOT_CHECK_NOTE_REQUIRED.into(),
        ));
    }
    if note.chars().count() > MAX_NOTE {
        return Err(WorkflowError::Invalid(text::SPOT_CHECK_NOTE_LONG.into()));
    }
    Ok(access::mask_long_numbers(note))
}

fn put<T: Serialize>(
    txn: &mut dyn DocTxn,
    kind: &str,
    id: &str,
    case: Option<&str>,
    v: &T,
    now: i64,
) -> Result<()> {
    txn.put_item(&Item {
        kind: kind.into(),
        id: id.into(),
        case_id: case.map(str::to_string),
        body: serde_json::to_value(v).expect("a spot-check record serialises"),
        at: now,
    })?;
    Ok(())
}

fn audit_check(txn: &mut dyn DocTxn, who: &Who, c: &Check, now: i64) -> Result<()> {
    let outcome = c.outcome();
    txn.audit(&AuditEvent::new(
        now,
        who.audit.clone(),
        "spot_check",
        Some(c.case_id.clone()),
        json!({"check": c.id, "draw": c.draw_no, "reason": c.reason, "state": c.state,
               "finding": outcome.and_then(|s| s.finding)}),
    ))?;
    Ok(())
}

/// Draw a sample as `request` says and open a check task for each sampled case, in one
/// transaction, audited (the draw with its seed, shares, population hash and sample; each task on
/// its case).
pub fn create(
    store: &dyn Store,
    who: &Who,
    defaults: SpotCheckShares,
    request: &DrawRequest,
    now: i64,
) -> Result<(Draw, Vec<Check>)> {
    bureau_only(who)?;
    let months = Months::new(&request.from, &request.to)?;
    let shares = SpotCheckShares {
        tekun_percent: request.tekun_percent.unwrap_or(defaults.tekun_percent),
        rest_percent: request.rest_percent.unwrap_or(defaults.rest_percent),
    };
    if !shares.valid() {
        return Err(WorkflowError::Invalid(text::SPOT_CHECK_SHARES.into()));
    }
    let seed = seed_of(request.seed.as_deref())?;
    let mut townships: Vec<String> = request
        .townships
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    townships.sort();
    townships.dedup();
    in_txn(store, &mut |txn| {
        let flows: Vec<Flow> = txn
            .items(super::flow::FLOW, None)?
            .into_iter()
            .map(super::flows::flow_from_item)
            .collect::<Result<_>>()?;
        let population = population(&flows, &townships, &months);
        if population.is_empty() {
            return Err(WorkflowError::Invalid(text::SPOT_CHECK_EMPTY.into()));
        }
        let sample = draw(&population, shares, &seed);
        if sample.is_empty() {
            return Err(WorkflowError::Invalid(text::SPOT_CHECK_NONE_DRAWN.into()));
        }
        let d = Draw {
            id: super::ordered_id(),
            no: super::serial_no(txn, "CC", DRAW, Date::in_china(now))?,
            seed: seed.clone(),
            months: months.clone(),
            townships: townships.clone(),
            shares,
            population_hash: population.hash(),
            population,
            sample,
            by: who.name.clone(),
            at: now,
        };
        put(txn, DRAW, &d.id, None, &d, now)?;
        txn.audit(&AuditEvent::new(
            now,
            who.audit.clone(),
            "spot_check_draw",
            None,
            json!({"draw": d.id, "no": d.no, "seed": d.seed, "from": d.months.from,
                   "to": d.months.to, "townships": d.townships, "shares": d.shares,
                   "population": d.population.len(), "population_hash": d.population_hash,
                   "sample": d.sample}),
        ))?;
        let mut checks = Vec::with_capacity(d.sample.len());
        for pick in &d.sample {
            let flow = flows
                .iter()
                .find(|f| f.case_id == pick.case_id)
                .expect("a sampled case is one of the flows read");
            let c = Check {
                id: super::ordered_id(),
                draw_id: d.id.clone(),
                draw_no: d.no.clone(),
                case_id: pick.case_id.clone(),
                case_no: flow.case_no.clone(),
                township: flow.township.clone(),
                reason: pick.reason,
                state: CheckState::Open,
                steps: Vec::new(),
            };
            put(txn, CHECK, &c.id, Some(&c.case_id), &c, now)?;
            audit_check(txn, who, &c, now)?;
            checks.push(c);
        }
        Ok((d, checks))
    })
}

fn parse<T: serde::de::DeserializeOwned>(items: Vec<Item>) -> Vec<T> {
    items
        .into_iter()
        .filter_map(|i| serde_json::from_value(i.body).ok())
        .collect()
}

/// The draws `user` may see, newest first, each with the tasks of the townships they see: the
/// bureau (and admins) every draw; a township's users the draws that sampled their cases.
pub fn list(store: &dyn Store, user: &User) -> Result<Vec<(Draw, Vec<Check>)>> {
    let checks: Vec<Check> = parse(store.items(CHECK, None)?);
    let mut draws: Vec<(Draw, Vec<Check>)> = parse::<Draw>(store.items(DRAW, None)?)
        .into_iter()
        .map(|d| {
            let tasks: Vec<Check> = checks
                .iter()
                .filter(|c| c.draw_id == d.id && access::sees(user, &c.township))
                .cloned()
                .collect();
            (d, tasks)
        })
        .filter(|(_, tasks)| access::banner_wide(user.role) || !tasks.is_empty())
        .collect();
    draws.sort_by(|a, b| b.0.id.cmp(&a.0.id));
    Ok(draws)
}

/// The checks of a case.
pub fn of_case(store: &dyn Store, case: CaseId) -> Result<Vec<Check>> {
    Ok(parse(store.items(CHECK, Some(&case.to_string()))?))
}

/// The check `id` if `user` sees its township (404 otherwise, without telling which).
fn visible(store: &dyn Store, user: &User, id: &str) -> Result<Check> {
    store
        .item(CHECK, id)?
        .and_then(|i| serde_json::from_value::<Check>(i.body).ok())
        .filter(|c| access::sees(user, &c.township))
        .ok_or_else(|| WorkflowError::NotFound(text::SPOT_CHECK_NOT_FOUND.into()))
}

/// Change the check `id` inside one transaction: `f` checks its state and adds the step.
fn update(
    store: &dyn Store,
    who: &Who,
    user: &User,
    id: &str,
    now: i64,
    f: &dyn Fn(&mut Check) -> Result<()>,
) -> Result<Check> {
    bureau_only(who)?;
    visible(store, user, id)?;
    in_txn(store, &mut |txn| {
        let mut c: Check = txn
            .item(CHECK, id)?
            .and_then(|i| serde_json::from_value(i.body).ok())
            .ok_or_else(|| WorkflowError::NotFound(text::SPOT_CHECK_NOT_FOUND.into()))?;
        f(&mut c)?;
        put(txn, CHECK, &c.id, Some(&c.case_id), &c, now)?;
        audit_check(txn, who, &c, now)?;
        Ok(c)
    })
}

/// Record the outcome of an open check (a note is required unless it is 属实).
pub fn record(
    store: &dyn Store,
    who: &Who,
    user: &User,
    id: &str,
    finding: Finding,
    note: &str,
    now: i64,
) -> Result<Check> {
    let note = note_of(note, finding != Finding::Confirmed)?;
    update(store, who, user, id, now, &|c| {
        if c.state == CheckState::Done {
            return Err(WorkflowError::Invalid(text::SPOT_CHECK_DONE.into()));
        }
        c.state = CheckState::Done;
        c.steps.push(Step {
            finding: Some(finding),
            note: note.clone(),
            by: who.name.clone(),
            at: now,
        });
        Ok(())
    })
}

/// Open a done check again, with why (the earlier outcome stays in its steps).
pub fn reopen(
    store: &dyn Store,
    who: &Who,
    user: &User,
    id: &str,
    note: &str,
    now: i64,
) -> Result<Check> {
    let note = note_of(note, true)?;
    update(store, who, user, id, now, &|c| {
        if c.state == CheckState::Open {
            return Err(WorkflowError::Invalid(text::SPOT_CHECK_OPEN.into()));
        }
        c.state = CheckState::Open;
        c.steps.push(Step {
            finding: None,
            note: note.clone(),
            by: who.name.clone(),
            at: now,
        });
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}-{i:04}")).collect()
    }

    /// 3 单独登记备案, 10 new 特困, 200 others, given in a scrambled order.
    fn constructed() -> Population {
        let mut cases: Vec<(String, Reason)> = ids("s", 3)
            .into_iter()
            .map(|i| (i, Reason::SeparatelyRegistered))
            .chain(ids("t", 10).into_iter().map(|i| (i, Reason::TekunNew)))
            .chain(ids("r", 200).into_iter().map(|i| (i, Reason::Random)))
            .collect();
        cases.reverse();
        cases.rotate_left(77);
        Population::of(cases)
    }

    fn shares(tekun_percent: u32, rest_percent: u32) -> SpotCheckShares {
        SpotCheckShares {
            tekun_percent,
            rest_percent,
        }
    }

    fn count(sample: &[Pick], r: Reason) -> usize {
        sample.iter().filter(|p| p.reason == r).count()
    }

    #[test]
    fn quotas_round_up() {
        assert_eq!(quota(10, 30), 3);
        assert_eq!(quota(11, 30), 4, "3.3 rounds up");
        assert_eq!(quota(1, 30), 1);
        assert_eq!(quota(0, 30), 0);
        assert_eq!(quota(200, 5), 10);
        assert_eq!(quota(21, 5), 2, "1.05 rounds up");
        assert_eq!(quota(7, 100), 7);
        assert_eq!(quota(7, 0), 0);
    }

    #[test]
    fn a_draw_takes_every_separately_registered_case_and_the_shares_rounded_up() {
        let p = constructed();
        assert_eq!(p.len(), 213);
        let sample = draw(&p, shares(30, 5), "20261207");
        assert_eq!(count(&sample, Reason::SeparatelyRegistered), 3);
        assert_eq!(count(&sample, Reason::TekunNew), 3, "30% of 10");
        assert_eq!(count(&sample, Reason::Random), 10, "5% of 200");
        for s in &p.separately_registered {
            assert!(sample.iter().any(|x| &x.case_id == s), "{s} drawn");
        }
        // Each pick comes from its own stratum, once.
        for pick in &sample {
            let from = match pick.reason {
                Reason::SeparatelyRegistered => &p.separately_registered,
                Reason::TekunNew => &p.tekun_new,
                Reason::Random => &p.rest,
            };
            assert!(from.contains(&pick.case_id), "{pick:?}");
        }
        let mut unique: Vec<_> = sample.iter().map(|p| &p.case_id).collect();
        unique.dedup();
        assert_eq!(unique.len(), sample.len());
        // One new 特困 case more: 3.3 → 4; a higher share and a whole rest.
        let mut p11 = p.clone();
        p11.tekun_new.push("t-9999".into());
        assert_eq!(count(&draw(&p11, shares(30, 5), "x"), Reason::TekunNew), 4);
        let all = draw(&p, shares(50, 100), "x");
        assert_eq!(count(&all, Reason::TekunNew), 5);
        assert_eq!(count(&all, Reason::Random), 200);
    }

    #[test]
    fn a_draw_is_reproducible_from_its_seed_and_the_population() {
        let p = constructed();
        let first = draw(&p, shares(30, 5), "731204588812");
        // The same population given in another order is the same canonical population.
        let mut again: Vec<(String, Reason)> = Vec::new();
        for pick in [
            (&p.rest, Reason::Random),
            (&p.tekun_new, Reason::TekunNew),
            (&p.separately_registered, Reason::SeparatelyRegistered),
        ] {
            again.extend(pick.0.iter().rev().map(|i| (i.clone(), pick.1)));
        }
        let p2 = Population::of(again);
        assert_eq!(p2.hash(), p.hash());
        assert_eq!(draw(&p2, shares(30, 5), "731204588812"), first);
        // From the record.
        let record = Draw {
            id: "d".into(),
            no: "CC-20261207-0001".into(),
            seed: "731204588812".into(),
            months: Months::new("2026-11", "2026-12").unwrap(),
            townships: vec![],
            shares: shares(30, 5),
            population_hash: p.hash(),
            population: p.clone(),
            sample: first.clone(),
            by: "白玉梅".into(),
            at: 0,
        };
        assert_eq!(redraw(&record), first);
        // Another seed: another sample (of C(200,10)·C(10,3) possible ones).
        let other = draw(&p, shares(30, 5), "731204588813");
        assert_ne!(other, first);
        assert_eq!(other.len(), first.len());
        // An altered record no longer reproduces its sample.
        let mut altered = record.clone();
        altered.population.rest.pop();
        assert_ne!(altered.population.hash(), record.population_hash);
    }

    /// The algorithm is part of the record's meaning: a stored draw must redraw identically after
    /// any upgrade. This pins the stream (ChaCha8, SHA-256 key) and the shuffle.
    #[test]
    fn the_draw_algorithm_is_stable() {
        let p = Population::of(ids("c", 20).into_iter().map(|i| (i, Reason::Random)));
        let sample: Vec<String> = draw(&p, shares(30, 25), "jiuzhu")
            .into_iter()
            .map(|p| p.case_id)
            .collect();
        assert_eq!(sample, GOLDEN);
    }
    const GOLDEN: [&str; 5] = ["c-0003", "c-0004", "c-0008", "c-0013", "c-0015"];

    #[test]
    fn the_population_is_the_townships_cases_accepted_in_the_months() {
        use jiuzhu_shared::workflow::State;
        let flow =
            |id: &str, township: &str, accepted: Option<&str>, p: Programme, k: CaseKind| Flow {
                case_id: id.into(),
                case_no: id.into(),
                programme: p,
                kind: k,
                state: State::Investigating,
                entered: "2026-11-01".parse().unwrap(),
                accepted: accepted.map(|d| d.parse().unwrap()),
                township: township.into(),
                phone: None,
                origin: None,
                records: 0,
                facts: Default::default(),
                application: None,
            };
        let mut flagged = flow(
            "e",
            "树林召镇",
            Some("2026-12-31"),
            Programme::Tekun,
            CaseKind::Application,
        );
        flagged.facts.separately_registered = true;
        let flows = vec![
            flow(
                "a",
                "树林召镇",
                Some("2026-11-01"),
                Programme::Tekun,
                CaseKind::Application,
            ),
            flow(
                "b",
                "树林召镇",
                Some("2026-10-31"),
                Programme::Tekun,
                CaseKind::Application,
            ),
            flow(
                "c",
                "王爱召镇",
                Some("2026-11-15"),
                Programme::Dibao,
                CaseKind::Application,
            ),
            flow(
                "d",
                "树林召镇",
                Some("2026-12-02"),
                Programme::Tekun,
                CaseKind::ChangeReview,
            ),
            flagged,
            flow(
                "f",
                "树林召镇",
                None,
                Programme::Dibao,
                CaseKind::Application,
            ),
            flow(
                "g",
                "树林召镇",
                Some("2027-01-01"),
                Programme::Dibao,
                CaseKind::Application,
            ),
        ];
        let months = Months::new("2026-11", "2026-12").unwrap();
        let all = population(&flows, &[], &months);
        assert_eq!(all.separately_registered, ["e"]);
        assert_eq!(all.tekun_new, ["a"]);
        assert_eq!(
            all.rest,
            ["c", "d"],
            "a 特困 change review is not a new 特困 case"
        );
        let one = population(&flows, &["王爱召镇".to_string()], &months);
        assert_eq!(
            (one.len(), one.rest.as_slice()),
            (1, ["c".to_string()].as_slice())
        );
    }

    fn flow_of(i: usize, township: &str, programme: Programme, accepted: Date) -> Flow {
        Flow {
            case_id: CaseId::new().to_string(),
            case_no: format!("DLT-{i:04}"),
            programme,
            kind: CaseKind::Application,
            state: jiuzhu_shared::workflow::State::Investigating,
            entered: accepted,
            accepted: Some(accepted),
            township: township.into(),
            phone: None,
            origin: None,
            records: 0,
            facts: Default::default(),
            application: None,
        }
    }

    fn who(role: Role) -> Who {
        Who {
            name: "白玉梅".into(),
            role,
            actor: jiuzhu_shared::ActorKey::random(),
            audit: "console 白玉梅".into(),
        }
    }

    /// A store with 60 cases accepted today in two townships: 12 new 特困, 2 单独登记备案.
    fn store_with_cases(now: i64) -> (tempfile::TempDir, crate::store::sqlite::SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::sqlite::SqliteStore::open(&dir.path().join("s.sqlite")).unwrap();
        let today = Date::in_china(now);
        store
            .transact(&mut |txn| {
                for i in 0..60 {
                    let town = if i % 3 == 0 {
                        "王爱召镇"
                    } else {
                        "树林召镇"
                    };
                    let programme = if i % 5 == 0 {
                        Programme::Tekun
                    } else {
                        Programme::Dibao
                    };
                    let mut f = flow_of(i, town, programme, today);
                    f.facts.separately_registered = i == 7 || i == 8;
                    super::super::flows::put_flow(txn, &f, now).map_err(|e| match e {
                        WorkflowError::Store(s) => s,
                        e => crate::store::StoreError::Invalid(e.to_string()),
                    })?;
                }
                Ok(())
            })
            .unwrap();
        (dir, store)
    }

    #[test]
    fn a_stored_draw_redraws_from_its_record_and_from_its_seed() {
        let now = 1_796_000_000;
        let (_dir, store) = store_with_cases(now);
        let month = Date::in_china(now).to_string()[..7].to_string();
        let request = DrawRequest {
            from: month.clone(),
            to: month.clone(),
            seed: Some("抽查-2026-12".into()),
            ..DrawRequest::default()
        };
        let bureau = who(Role::Bureau);
        let (d, tasks) =
            create(&store, &bureau, SpotCheckShares::default(), &request, now).unwrap();
        assert_eq!(d.population.len(), 60);
        assert_eq!(d.population.separately_registered.len(), 2);
        assert_eq!(d.population.tekun_new.len(), 12);
        // 2 + ⌈30% of 12⌉ + ⌈5% of 46⌉.
        assert_eq!(d.sample.len(), 2 + 4 + 3);
        assert_eq!(tasks.len(), d.sample.len());
        assert!(tasks.iter().all(|t| t.state == CheckState::Open));
        // From the stored record.
        let stored: Draw =
            serde_json::from_value(store.item(DRAW, &d.id).unwrap().unwrap().body).unwrap();
        assert_eq!(redraw(&stored), d.sample);
        // From the seed and the population read again.
        let flows = super::super::flows::all_flows(&store).unwrap();
        let again = population(&flows, &[], &Months::new(&month, &month).unwrap());
        assert_eq!(again.hash(), d.population_hash);
        assert_eq!(draw(&again, d.shares, &d.seed), d.sample);
        // A second draw with the same seed over the same cases draws the same cases.
        let (d2, _) = create(&store, &bureau, SpotCheckShares::default(), &request, now).unwrap();
        assert_eq!(d2.sample, d.sample);
        assert_ne!(d2.no, d.no);
        // Another seed, another sample.
        let other = DrawRequest {
            seed: None,
            ..request.clone()
        };
        let (d3, _) = create(&store, &bureau, SpotCheckShares::default(), &other, now).unwrap();
        assert_eq!(d3.seed.len(), 12, "a generated seed is recorded");
        assert_ne!(d3.sample, d.sample);
        // One township only.
        let one = DrawRequest {
            townships: vec!["王爱召镇".into()],
            ..request.clone()
        };
        let (d4, t4) = create(&store, &bureau, SpotCheckShares::default(), &one, now).unwrap();
        assert_eq!(d4.population.len(), 20);
        assert!(t4.iter().all(|t| t.township == "王爱召镇"));
    }

    #[test]
    fn only_the_bureau_draws_and_records_and_a_done_check_stays_done_until_reopened() {
        let now = 1_796_000_000;
        let (_dir, store) = store_with_cases(now);
        let month = Date::in_china(now).to_string()[..7].to_string();
        let request = DrawRequest {
            from: month.clone(),
            to: month,
            ..DrawRequest::default()
        };
        for role in [
            Role::Lead,
            Role::Caseworker,
            Role::Investigator,
            Role::Admin,
        ] {
            let e = create(
                &store,
                &who(role),
                SpotCheckShares::default(),
                &request,
                now,
            )
            .unwrap_err();
            assert!(matches!(e, WorkflowError::Forbidden(_)), "{role:?}: {e}");
        }
        let bureau = who(Role::Bureau);
        let low = DrawRequest {
            tekun_percent: Some(29),
            ..request.clone()
        };
        assert!(matches!(
            create(&store, &bureau, SpotCheckShares::default(), &low, now),
            Err(WorkflowError::Invalid(_))
        ));
        let (_, tasks) =
            create(&store, &bureau, SpotCheckShares::default(), &request, now).unwrap();
        let task = &tasks[0];
        let user = |role, township: &str| User {
            id: 1,
            name: "x".into(),
            role,
            township: township.into(),
        };
        let banner = user(Role::Bureau, "");
        let lead = user(Role::Lead, &task.township);
        let e = record(
            &store,
            &who(Role::Lead),
            &lead,
            &task.id,
            Finding::Confirmed,
            "",
            now,
        )
        .unwrap_err();
        assert!(
            matches!(e, WorkflowError::Forbidden(_)),
            "a township records no outcome"
        );
        let e = record(
            &store,
            &bureau,
            &banner,
            &task.id,
            Finding::NeedsCorrection,
            "",
            now,
        )
        .unwrap_err();
        assert!(
            matches!(e, WorkflowError::Invalid(_)),
            "a finding against the file needs a note"
        );
        let done = record(
            &store,
            &bureau,
            &banner,
            &task.id,
            Finding::NeedsCorrection,
            "实有存款未申报",
            now,
        )
        .unwrap();
        assert_eq!(done.state, CheckState::Done);
        assert_eq!(
            done.outcome().unwrap().finding,
            Some(Finding::NeedsCorrection)
        );
        let e = record(
            &store,
            &bureau,
            &banner,
            &task.id,
            Finding::Confirmed,
            "",
            now,
        )
        .unwrap_err();
        assert!(matches!(e, WorkflowError::Invalid(_)), "done stays done");
        let open = reopen(&store, &bureau, &banner, &task.id, "复核发现登记有误", now).unwrap();
        assert_eq!((open.state, open.outcome()), (CheckState::Open, None));
        let done = record(
            &store,
            &bureau,
            &banner,
            &task.id,
            Finding::Confirmed,
            "",
            now,
        )
        .unwrap();
        assert_eq!(
            done.steps.len(),
            3,
            "the earlier outcome stays in the steps"
        );
        // Each draw and each change of a task is in the audit chain, the task's on its case.
        let case: CaseId = task.case_id.parse().unwrap();
        let events = store.audit_for_case(case).unwrap();
        assert_eq!(
            events.iter().filter(|e| e.action == "spot_check").count(),
            4
        );
    }

    #[test]
    fn months_are_checked() {
        assert!(Months::new("2026-11", "2026-11").is_ok());
        for (from, to) in [
            ("2026-12", "2026-11"),
            ("2026-13", "2026-12"),
            ("2026-1", "2026-02"),
            ("", "2026-02"),
            ("2026-02-01", "2026-03"),
        ] {
            assert!(Months::new(from, to).is_err(), "{from}..{to}");
        }
    }
}
