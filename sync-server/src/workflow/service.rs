//! Taking workflow actions: load the case's flow and document, apply what the actor typed, ask the
//! engine, then — in the same transaction — record the transition, write the header summary into
//! the document, issue the notice the step calls for, and append to the audit chain.

use super::cadence;
use super::config::WorkflowConfig;
use super::flow::*;
use super::flows::{in_txn, load_doc, load_flow, put_flow};
use super::notices;
use super::{Result, Who, WorkflowError};
use crate::audit::AuditEvent;
use crate::store::{DocTxn, FlowSummary, Item, Store, User};
use crate::sync_engine::write_server_change;
use jiuzhu_shared::CaseId;
use jiuzhu_shared::policy::Grant;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::schema::{CaseDoc, ReviewNote};
use jiuzhu_shared::workflow::{
    Action, Calendar, CaseKind, ExtensionReason, Limit, Role, State, allowed, engine,
    limit_on_entry, overall_limit,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What the actor typed with an action (`POST /api/console/cases/{id}/workflow`).
#[derive(Debug, Clone, Deserialize)]
pub struct ActionInput {
    pub action: Action,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub missing_items: Option<Vec<String>>,
    #[serde(default)]
    pub team: Option<Vec<String>>,
    #[serde(default)]
    pub opinion: Option<OpinionInput>,
    #[serde(default)]
    pub decision: Option<DecisionInput>,
    #[serde(default)]
    pub extension: Option<ExtensionReason>,
    /// 退回补正: the notes, each on a field (a dotted path) or on the case.
    #[serde(default)]
    pub notes: Option<Vec<NoteInput>>,
    /// 处理冲突值: the field and the value chosen (one of those in conflict, or typed).
    #[serde(default)]
    pub resolution: Option<Resolution>,
    /// 登记核对结果.
    #[serde(default)]
    pub check: Option<CheckInput>,
    /// 审核确认机关入户核查 (what was found is the reason).
    #[serde(default)]
    pub decider_visit: Option<DeciderVisitInput>,
    /// 确认 / 不予确认: the rules' proposal, which the server computes and a client cannot send.
    #[serde(skip)]
    pub assessed: Option<super::flow::Assessment>,
}

impl ActionInput {
    pub fn new(action: Action) -> Self {
        ActionInput {
            action,
            reason: None,
            missing_items: None,
            team: None,
            opinion: None,
            decision: None,
            extension: None,
            notes: None,
            resolution: None,
            check: None,
            decider_visit: None,
            assessed: None,
        }
    }

    pub fn with_reason(action: Action, reason: impl Into<String>) -> Self {
        ActionInput {
            reason: Some(reason.into()),
            ..Self::new(action)
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct OpinionInput {
    pub text: String,
    pub amount_fen: i64,
    pub start_month: String,
    /// A change review proposes to end the support (拟停发/终止): a 特困 termination then needs
    /// its 公示 (S2 Art. 26).
    #[serde(default)]
    pub stop: bool,
}

/// A review note: on a field (`path`) or on the case as a whole.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct NoteInput {
    pub path: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Resolution {
    pub path: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CheckInput {
    /// eligible | ineligible
    pub result: String,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub note: String,
    pub checked_on: Date,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DeciderVisitInput {
    pub visited_on: Date,
    pub staff: Vec<String>,
    #[serde(default)]
    pub photos: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DecisionInput {
    pub amount_fen: i64,
    pub start_month: String,
}

fn trimmed(list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = list
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    out.dedup();
    out
}

fn valid_month(m: &str) -> bool {
    m.len() == 7 && format!("{m}-01").parse::<Date>().is_ok()
}

fn check_amount(amount_fen: i64, start_month: &str) -> Result<()> {
    if amount_fen < 0 {
        return Err(WorkflowError::Invalid("金额不能为负数".into()));
    }
    if !valid_month(start_month) {
        return Err(WorkflowError::Invalid(
            "起始月份格式应为 YYYY-MM，例如 2026-12".into(),
        ));
    }
    Ok(())
}

/// The labels of the checklist items not ticked.
fn unticked(checklist: &[CheckItem]) -> Vec<String> {
    checklist
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.label.clone())
        .collect()
}

/// The reason a step is recorded with: what was typed, or for 退回补正 the notes themselves.
fn reason_of(input: &ActionInput) -> Option<String> {
    let typed = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    match (&input.notes, input.action) {
        (Some(notes), Action::ReturnVisit) if typed.is_none() => {
            let texts: Vec<&str> = notes
                .iter()
                .map(|n| n.text.trim())
                .filter(|t| !t.is_empty())
                .collect();
            (!texts.is_empty()).then(|| texts.join("；"))
        }
        _ => typed,
    }
}

/// Apply what was typed to the flow before the engine looks at it.
fn prepare(flow: &mut Flow, input: &ActionInput, who: &Who, now: i64) -> Result<()> {
    let review = flow.kind == jiuzhu_shared::workflow::CaseKind::ChangeReview;
    let f = &mut flow.facts;
    if let Some(ext) = input.extension {
        f.extension = Some(ext);
    }
    if matches!(input.action, Action::Approve | Action::Reject) {
        f.assessment = input.assessed.clone();
    }
    match input.action {
        Action::RequestSupplement => {
            f.missing_items = trimmed(input.missing_items.as_deref().unwrap_or_default());
        }
        Action::Accept => {
            // What the caseworker typed, else what the saved 初审 checklist still has unticked.
            f.missing_items = match &input.missing_items {
                Some(list) => trimmed(list),
                None => unticked(&f.checklist),
            };
        }
        Action::StartInvestigation | Action::Reinvestigate | Action::ChangeTeam => {
            if let Some(team) = &input.team {
                let mut team = trimmed(team);
                team.sort();
                team.dedup();
                f.team = team;
            }
        }
        Action::WriteOpinion => {
            let Some(o) = &input.opinion else {
                return Err(WorkflowError::Invalid("请填写初审意见".into()));
            };
            if o.text.trim().is_empty() {
                return Err(WorkflowError::Invalid("初审意见内容不能为空".into()));
            }
            check_amount(o.amount_fen, &o.start_month)?;
            if review {
                f.terminating = o.stop;
            }
            f.opinion = Some(Opinion {
                text: o.text.trim().to_string(),
                amount_fen: o.amount_fen,
                start_month: o.start_month.clone(),
                signed_by: who.name.clone(),
                signed_at: now,
                stop: review && o.stop,
            });
        }
        Action::Approve => {
            let (amount_fen, start_month) = match (&input.decision, &f.opinion) {
                (Some(d), _) => (d.amount_fen, d.start_month.clone()),
                (None, Some(o)) => (o.amount_fen, o.start_month.clone()),
                (None, None) => {
                    return Err(WorkflowError::Invalid("请填写保障金额和起始月份".into()));
                }
            };
            check_amount(amount_fen, &start_month)?;
            f.decision = Some(Decision {
                amount_fen,
                start_month,
                by: who.name.clone(),
                at: now,
            });
        }
        Action::ReturnVisit if reason_of(input).is_none() => {
            return Err(WorkflowError::Invalid(
                crate::review::text::NOTES_REQUIRED.into(),
            ));
        }
        Action::ResolveConflict if input.resolution.is_none() => {
            return Err(WorkflowError::Invalid(
                "请选择要处理的冲突和采用的值".into(),
            ));
        }
        Action::RecordCheckResult => {
            let Some(c) = &input.check else {
                return Err(WorkflowError::Invalid("请填写核对结果".into()));
            };
            if !matches!(c.result.as_str(), "eligible" | "ineligible") {
                return Err(WorkflowError::Invalid(
                    "核对结果应为“符合”或“不符合”".into(),
                ));
            }
            if c.checked_on > Date::in_china(now) {
                return Err(WorkflowError::Invalid("核对日期不能晚于今天".into()));
            }
        }
        Action::RecordDeciderVisit => {
            let Some(v) = &input.decider_visit else {
                return Err(WorkflowError::Invalid("请填写入户核查的日期和人员".into()));
            };
            if trimmed(&v.staff).is_empty() {
                return Err(WorkflowError::Invalid(
                    "请填写参加入户核查的工作人员".into(),
                ));
            }
            if v.visited_on > Date::in_china(now) {
                return Err(WorkflowError::Invalid("入户日期不能晚于今天".into()));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Fact updates that follow from the move itself.
fn after(
    flow: &mut Flow,
    (input, reason): (&ActionInput, Option<&str>),
    from: State,
    doc: Option<&CaseDoc>,
    who: &Who,
    (today, now): (Date, i64),
    config: &WorkflowConfig,
) {
    let f = &mut flow.facts;
    match input.action {
        Action::Submit | Action::Resubmit => f.supplement_provided = false,
        Action::Accept => flow.accepted = Some(today),
        Action::StartPublicity => {
            f.publicity = Some(Period {
                from: today,
                to: jiuzhu_shared::workflow::publicity_last_day(today, &config.options),
                entry_id: super::random_id()[..16].to_string(),
            });
        }
        Action::Report if from == State::Publicity => f.publicity_done = true,
        Action::RaiseObjection => {
            f.objection_raised = true;
            f.objection_open = true;
            // A new 初审意见 follows the objection's handling.
            f.previous_opinion = f.opinion.take().or(f.previous_opinion.take());
            f.publicity_done = false;
        }
        Action::Reinvestigate => {
            f.objection_open = false;
            f.accepted_visit = None;
        }
        Action::AcceptVisit => {
            f.accepted_visit = doc
                .and_then(|d| d.visits.last())
                .and_then(|v| v.content_hash.clone());
        }
        Action::ReturnVisit => f.accepted_visit = None,
        Action::RecordSituation => f.situation = reason.map(str::to_string),
        Action::RecordCheckResult => {
            if let Some(c) = &input.check {
                f.check_results.push(CheckResult {
                    result: c.result.clone(),
                    items: trimmed(&c.items),
                    note: c.note.trim().to_string(),
                    checked_on: c.checked_on,
                    recorded_by: who.name.clone(),
                    recorded_at: now,
                });
                f.check_disputed = false;
            }
        }
        Action::ObjectToCheck => f.check_disputed = true,
        Action::RegisterComplaint => f.complaints.push(Complaint {
            text: reason.unwrap_or_default().to_string(),
            by: who.name.clone(),
            at: now,
        }),
        Action::RecordDeciderVisit => {
            if let Some(v) = &input.decider_visit {
                f.decider_visit = Some(DeciderVisit {
                    visited_on: v.visited_on,
                    staff: trimmed(&v.staff),
                    findings: reason.unwrap_or_default().to_string(),
                    photos: v.photos.clone(),
                    by: who.name.clone(),
                    at: now,
                });
            }
        }
        Action::StartDemocraticReview => {
            f.objection_open = false;
            f.review_minutes_recorded = false;
        }
        Action::ConcludeDemocraticReview => f.democratic_review_done = true,
        _ => {}
    }
}

/// A running deadline as the console and the applicant see it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Due {
    /// The limit's stable code (`investigation_start`, `publicity`, `check_objection`…).
    pub code: &'static str,
    pub due: Date,
    pub zh: String,
    /// Days left (negative: days late), counted in working days, or in calendar days when
    /// `calendar_days` (the 公示 period).
    pub remaining_working_days: i64,
    pub calendar_days: bool,
    pub overdue: bool,
}

fn due_of(limit: Limit, flow: &Flow, config: &WorkflowConfig, today: Date) -> Due {
    let due = limit.due(&config.calendar, flow.entered, flow.accepted);
    let calendar_days = matches!(limit.span, jiuzhu_shared::workflow::Span::CalendarDays(_));
    Due {
        code: limit.code,
        due,
        zh: limit.zh.to_string(),
        remaining_working_days: remaining_days(&config.calendar, due, calendar_days, today),
        calendar_days,
        overdue: today > due,
    }
}

/// Days from `today` to `due` (negative: days late), counted in working days of `calendar`, or in
/// calendar days for a limit counted in them.
pub fn remaining_days(calendar: &Calendar, due: Date, calendar_days: bool, today: Date) -> i64 {
    let between = |a: Date, b: Date| {
        if calendar_days {
            jiuzhu_shared::workflow::calendar::days_between(a, b)
        } else {
            i64::from(calendar.working_days_between(a, b))
        }
    };
    if today <= due {
        between(today, due)
    } else {
        -between(due, today)
    }
}

/// What the queue shows of the flow, kept beside the case's projection: the state and the next
/// deadline. The deadline's date does not depend on `today` (only the days left do, which the
/// queue counts per request), but it does on the configuration, which the summary names.
pub fn flow_summary(flow: &Flow, config: &WorkflowConfig, today: Date) -> FlowSummary {
    let due = next_due(flow, config, today);
    FlowSummary {
        state: flow.state,
        due: due.as_ref().map(|d| d.due),
        calendar_days: due.is_some_and(|d| d.calendar_days),
        config: config_stamp(config),
    }
}

/// Names the workflow configuration deadlines are computed under (options and holiday
/// calendar, however they were installed): a summary kept under another one is recomputed.
pub fn config_stamp(config: &WorkflowConfig) -> String {
    use sha2::{Digest, Sha256};
    let options = serde_json::to_string(&config.options).expect("options serialise");
    let calendar = &config.calendar;
    let text = format!("{options}|{:?}|{:?}", calendar.holidays, calendar.workdays);
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

/// The limit running in the current state, and the overall 受理→decision limit.
pub fn deadlines(flow: &Flow, config: &WorkflowConfig, today: Date) -> (Option<Due>, Option<Due>) {
    if flow.state.is_final() {
        return (None, None);
    }
    // A 探访 has no statutory limits, only the day it is due.
    if flow.kind == CaseKind::Visit {
        let visit = flow.facts.visit_due.map(|due| Due {
            code: "visit",
            due,
            zh: crate::review::text::VISIT_DUE.to_string(),
            remaining_working_days: remaining_days(&config.calendar, due, false, today),
            calendar_days: false,
            overdue: today > due,
        });
        return (visit, None);
    }
    let facts = flow.case_facts(None, today, None, &config.options);
    let state =
        limit_on_entry(flow.state, &facts, &config.options).map(|l| due_of(l, flow, config, today));
    let before_decision = !matches!(
        flow.state,
        State::Draft
            | State::Submitted
            | State::NeedsSupplement
            | State::Approved
            | State::Published
    );
    let overall = overall_limit(&facts, &config.options)
        .filter(|_| before_decision && flow.accepted.is_some())
        .map(|l| due_of(l, flow, config, today));
    (state, overall)
}

/// The earlier of the two deadlines (the header's and the queue's "due").
pub fn next_due(flow: &Flow, config: &WorkflowConfig, today: Date) -> Option<Due> {
    let (a, b) = deadlines(flow, config, today);
    match (a, b) {
        (Some(a), Some(b)) => Some(if a.due <= b.due { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The header: a projection of the server's own records that the server alone writes — the
/// state, the nearer deadline, the flags, the team and the township.
pub fn write_header(
    txn: &mut dyn DocTxn,
    flow: &Flow,
    config: &WorkflowConfig,
    who: &Who,
    now: i64,
) -> Result<()> {
    let case = flow.id()?;
    if txn.load_doc(case)?.is_none() {
        return Ok(());
    }
    let summary = flow_summary(flow, config, Date::in_china(now));
    let due = summary.due.map(|d| d.to_string());
    let flags = flow.flags();
    write_server_change(txn, case, (who.actor, &Grant::server()), now, &mut |doc| {
        doc.update("workflow", now, |c| {
            c.header.status = flow.state.code().to_string();
            c.header.deadline = due.clone();
            c.header.flags = flags.clone();
            c.header.assigned_team = flow.facts.team.clone();
            c.header.township = flow.township.clone();
            Ok(())
        })
    })?;
    txn.put_flow_summary(case, &summary)?;
    Ok(())
}

/// What a step writes into the case document besides the header, in the same transaction:
/// the open visit laid out for a new team, a return's notes, a conflict's resolution. Notes and
/// resolutions are the console user's writes, checked by the write policy like a device's.
fn write_effects(
    txn: &mut dyn DocTxn,
    (case, team): (CaseId, &[String]),
    input: &ActionInput,
    who: &Who,
    now: i64,
) -> Result<Value> {
    let console = Grant::console(&who.name);
    match input.action {
        Action::StartInvestigation | Action::Reinvestigate | Action::ChangeTeam => {
            // The open visit, with a row per declared member, made here once: two tablets laying
            // the rows out offline would each insert a copy. Its investigators are the team, who
            // sign it.
            write_server_change(txn, case, (who.actor, &Grant::server()), now, &mut |doc| {
                doc.update("lay out the visit", now, |c| {
                    c.header.assigned_team = team.to_vec();
                    let i = c.ensure_open_visit("", now * 1000);
                    c.visits[i].investigators = team.to_vec();
                    Ok(())
                })
            })?;
            Ok(Value::Null)
        }
        Action::ReturnVisit => {
            let notes: Vec<&NoteInput> = input
                .notes
                .iter()
                .flatten()
                .filter(|n| !n.text.trim().is_empty())
                .collect();
            write_server_change(txn, case, (who.actor, &console), now, &mut |doc| {
                doc.update("return for correction", now, |c| {
                    for n in &notes {
                        c.review_notes.push(ReviewNote {
                            id: jiuzhu_shared::ids::new_row_id(),
                            path: n.path.clone().filter(|p| !p.trim().is_empty()),
                            text: n.text.trim().to_string(),
                            by: who.name.clone(),
                            at: Some(now * 1000),
                            ..Default::default()
                        });
                    }
                    Ok(())
                })
            })?;
            Ok(json!({ "notes": notes }))
        }
        Action::ResolveConflict => {
            let r = input.resolution.as_ref().expect("checked in prepare");
            let mut chosen = false;
            write_server_change(txn, case, (who.actor, &console), now, &mut |doc| {
                let Some(c) = doc.conflicts().into_iter().find(|c| c.path == r.path) else {
                    return Err(jiuzhu_shared::DocError::Invalid {
                        path: r.path.clone(),
                        message: "该项没有冲突值，无需处理".into(),
                    });
                };
                chosen = c.values.iter().any(|v| v.value == r.value);
                doc.resolve(&r.path, &r.value, now)
            })?;
            Ok(json!({ "path": r.path, "value": r.value, "one_of_the_values": chosen }))
        }
        _ => Ok(Value::Null),
    }
}

/// Take `input.action` on the case inside `txn`.
pub fn act_in(
    txn: &mut dyn DocTxn,
    config: &WorkflowConfig,
    case: CaseId,
    who: &Who,
    input: &ActionInput,
    now: i64,
) -> Result<Flow> {
    let today = Date::in_china(now);
    let doc = load_doc(txn, case)?;
    let mut flow = load_flow(txn, case)?;
    let revising = input.action == Action::WriteOpinion && flow.state == State::PrelimOpinion;
    let reason = reason_of(input);
    prepare(&mut flow, input, who, now)?;
    let from = flow.state;
    let to = if revising {
        if who.role != Role::Lead {
            return Err(WorkflowError::Refused(jiuzhu_shared::workflow::Refusal {
                code: "wrong_role",
                zh: "初审意见须由乡镇负责人签署".into(),
            }));
        }
        from
    } else {
        let facts = flow.case_facts(doc.as_ref(), today, reason.as_deref(), &config.options);
        allowed(&facts, from, input.action, who.role, &config.options)
            .map_err(WorkflowError::Refused)?
            .to
    };
    let effects = write_effects(txn, (case, &flow.facts.team), input, who, now)?;
    after(
        &mut flow,
        (input, reason.as_deref()),
        from,
        doc.as_ref(),
        who,
        (today, now),
        config,
    );
    if to != from {
        flow.entered = today;
    }
    flow.state = to;
    flow.records += 1;
    let detail = json!({
        "missing_items": input.missing_items, "team": input.team.as_ref().map(|_| &flow.facts.team),
        "opinion": if input.action == Action::WriteOpinion { json!(flow.facts.opinion) } else { Value::Null },
        "decision": if input.action == Action::Approve { json!(flow.facts.decision) } else { Value::Null },
        "check": if input.action == Action::RecordCheckResult { json!(flow.facts.check_results.last()) } else { Value::Null },
        "decider_visit": if input.action == Action::RecordDeciderVisit { json!(flow.facts.decider_visit) } else { Value::Null },
        "effects": effects,
    });
    let record = Record {
        n: flow.records,
        action: input.action,
        from,
        to,
        role: who.role,
        actor: who.name.clone(),
        at: now,
        reason: reason.clone(),
        detail,
    };
    txn.put_item(&Item {
        kind: TRANSITION.into(),
        id: transition_id(&flow.case_id, record.n),
        case_id: Some(flow.case_id.clone()),
        body: serde_json::to_value(&record).expect("a record serialises"),
        at: now,
    })?;
    if to.is_final() {
        cadence::on_final(txn, &mut flow, now)?;
    }
    if let Some(notice) = notices::for_transition(&flow, &record, doc.as_ref(), config) {
        notices::put(txn, &flow.case_id, &notice, now)?;
        let to = flow.addressee();
        crate::notify::outbox::notice_issued(txn, &to, &notice.kind, &notice.title, now)?;
    }
    put_flow(txn, &flow, now)?;
    write_header(txn, &flow, config, who, now)?;
    txn.audit(&AuditEvent::new(
        now,
        who.audit.clone(),
        input.action.code(),
        Some(flow.case_id.clone()),
        json!({ "from": from, "to": to, "reason": reason }),
    ))?;
    Ok(flow)
}

/// Take an action in its own transaction.
pub fn act(
    store: &dyn Store,
    config: &WorkflowConfig,
    case: CaseId,
    who: &Who,
    input: &ActionInput,
    now: i64,
) -> Result<Flow> {
    in_txn(store, &mut |txn| act_in(txn, config, case, who, input, now))
}

/// Change the kept facts without a transition (the 初审 checklist, 单独登记备案, minutes
/// recorded), with an audit record and the header refreshed.
pub fn update_facts_in(
    txn: &mut dyn DocTxn,
    config: &WorkflowConfig,
    case: CaseId,
    who: &Who,
    (what, detail): (&str, Value),
    now: i64,
    change: &mut dyn FnMut(&mut Facts) -> Result<()>,
) -> Result<Flow> {
    let mut flow = load_flow(txn, case)?;
    change(&mut flow.facts)?;
    put_flow(txn, &flow, now)?;
    write_header(txn, &flow, config, who, now)?;
    txn.audit(&AuditEvent::new(
        now,
        who.audit.clone(),
        what,
        Some(flow.case_id.clone()),
        detail,
    ))?;
    Ok(flow)
}

/// [`update_facts_in`] in its own transaction.
pub fn update_facts(
    store: &dyn Store,
    config: &WorkflowConfig,
    case: CaseId,
    who: &Who,
    (what, detail): (&str, Value),
    now: i64,
    change: &mut dyn FnMut(&mut Facts) -> Result<()>,
) -> Result<Flow> {
    in_txn(store, &mut |txn| {
        update_facts_in(txn, config, case, who, (what, detail.clone()), now, change)
    })
}

/// Whether the action sends the case to a team's tablets (and so names the team).
pub fn names_team(action: Action) -> bool {
    matches!(
        action,
        Action::StartInvestigation | Action::Reinvestigate | Action::ChangeTeam
    )
}

/// Take an action. One that names a team (开始调查, 重新调查, 调整调查组) has its investigators
/// looked up and checked by `team_ok` first, and assigns them in the same transaction as the
/// move, so a refused move assigns nobody and a removed investigator's tablets get nothing more.
pub fn act_assigning(
    store: &dyn Store,
    config: &WorkflowConfig,
    case: CaseId,
    who: &Who,
    input: &ActionInput,
    now: i64,
    team_ok: &dyn Fn(&[User]) -> Result<()>,
) -> Result<Flow> {
    let team = if names_team(input.action) {
        let mut users = Vec::new();
        for name in input.team.iter().flatten().map(|n| n.trim()) {
            if !name.is_empty() && !users.iter().any(|u: &User| u.name == name) {
                users.push(store.user_by_name(name)?.ok_or_else(|| {
                    WorkflowError::Invalid(format!("{name} 不是本乡镇的调查员。"))
                })?);
            }
        }
        team_ok(&users)?;
        Some(users.iter().map(|u| u.id).collect::<Vec<i64>>())
    } else {
        None
    };
    in_txn(store, &mut |txn| {
        let flow = act_in(txn, config, case, who, input, now)?;
        if let Some(ids) = &team {
            txn.set_assignment(case, ids, now)?;
        }
        Ok(flow)
    })
}

/// The moves a role could take from the case's state now: allowed or the engine's reason.
pub fn available(
    flow: &Flow,
    doc: Option<&CaseDoc>,
    role: Role,
    config: &WorkflowConfig,
    today: Date,
) -> Vec<Value> {
    let facts = flow.case_facts(doc, today, Some("…"), &config.options);
    let mut out = Vec::new();
    for &action in Action::ALL {
        if action == Action::WriteOpinion && flow.state == State::PrelimOpinion {
            if role == Role::Lead {
                out.push(json!({"action": action, "zh": "修改并重新签署初审意见", "ok": true, "refusal": null}));
            }
            continue;
        }
        let Some((_, roles)) = engine::route(&facts, flow.state, action, &config.options) else {
            continue;
        };
        if !roles.contains(&role) {
            continue;
        }
        // Reasons, teams, opinions and amounts are typed with the action: don't refuse for them.
        let mut f = facts.clone();
        if names_team(action) && f.team.len() < 2 {
            f.team = vec!["a".into(), "b".into()];
        }
        if action == Action::RequestSupplement {
            f.missing_items = vec!["…".into()];
        }
        if action == Action::Accept {
            f.missing_items = unticked(&flow.facts.checklist);
        }
        if action == Action::Approve && flow.facts.opinion.is_some() {
            f.amount_set = true;
        }
        let r = allowed(&f, flow.state, action, role, &config.options);
        out.push(json!({
            "action": action, "zh": action.zh(), "ok": r.is_ok(),
            "refusal": r.err().map(|e| e.zh),
        }));
    }
    out
}
