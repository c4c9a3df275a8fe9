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
use crate::store::{DocTxn, Item, Store};
use crate::sync_engine::write_server_change;
use jiuzhu_shared::CaseId;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::schema::CaseDoc;
use jiuzhu_shared::workflow::{
    Action, ExtensionReason, Limit, Role, State, allowed, engine, limit_on_entry, overall_limit,
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

/// Apply what was typed to the flow before the engine looks at it.
fn prepare(flow: &mut Flow, input: &ActionInput, who: &Who, now: i64) -> Result<()> {
    let f = &mut flow.facts;
    if let Some(ext) = input.extension {
        f.extension = Some(ext);
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
        Action::StartInvestigation | Action::Reinvestigate => {
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
            f.opinion = Some(Opinion {
                text: o.text.trim().to_string(),
                amount_fen: o.amount_fen,
                start_month: o.start_month.clone(),
                signed_by: who.name.clone(),
                signed_at: now,
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
        _ => {}
    }
    Ok(())
}

/// Fact updates that follow from the move itself.
fn after(flow: &mut Flow, action: Action, from: State, today: Date, config: &WorkflowConfig) {
    let f = &mut flow.facts;
    match action {
        Action::Submit | Action::Resubmit => f.supplement_provided = false,
        Action::Accept => flow.accepted = Some(today),
        Action::StartPublicity => {
            f.publicity = Some(Period {
                from: today,
                to: jiuzhu_shared::workflow::calendar::add_days(
                    today,
                    i64::from(config.options.publicity_days),
                ),
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
            f.visit_accepted = false;
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
    let cal = &config.calendar;
    let calendar_days = matches!(limit.span, jiuzhu_shared::workflow::Span::CalendarDays(_));
    let between = |a: Date, b: Date| {
        if calendar_days {
            jiuzhu_shared::workflow::calendar::days_between(a, b)
        } else {
            i64::from(cal.working_days_between(a, b))
        }
    };
    let remaining = if today <= due {
        between(today, due)
    } else {
        -between(due, today)
    };
    Due {
        due,
        zh: limit.zh.to_string(),
        remaining_working_days: remaining,
        calendar_days,
        overdue: today > due,
    }
}

/// The limit running in the current state, and the overall 受理→decision limit.
pub fn deadlines(flow: &Flow, config: &WorkflowConfig, today: Date) -> (Option<Due>, Option<Due>) {
    if flow.state.is_final() {
        return (None, None);
    }
    let facts = flow.case_facts(None, today, None);
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

/// The header summary: state, next deadline, flags. `returned` and `investigation_accepted` stay
/// as display codes of `investigating` (the console and tablets show them).
pub fn write_header(
    txn: &mut dyn DocTxn,
    flow: &Flow,
    config: &WorkflowConfig,
    who: &Who,
    now: i64,
    moved: bool,
) -> Result<()> {
    let case = flow.id()?;
    if txn.load_doc(case)?.is_none() {
        return Ok(());
    }
    let today = Date::in_china(now);
    let due = next_due(flow, config, today).map(|d| d.due.to_string());
    let flags = flow.flags();
    let state = flow.state;
    write_server_change(txn, case, who.actor, now, &mut |doc| {
        doc.update("workflow", now, |c| {
            let keep = !moved
                && state == State::Investigating
                && matches!(
                    c.header.status.as_str(),
                    "returned" | "investigation_accepted"
                );
            if !keep {
                c.header.status = state.code().to_string();
            }
            c.header.deadline = due.clone();
            c.header.flags = flags.clone();
            Ok(())
        })
    })?;
    Ok(())
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
    let mut flow = load_flow(txn, case, today)?;
    // The console's 验收 writes `investigation_accepted` into the header; keep it as a fact, since
    // the header's status changes with the next move.
    if doc
        .as_ref()
        .is_some_and(|d| d.header.status == "investigation_accepted")
    {
        flow.facts.visit_accepted = true;
    }
    let revising = input.action == Action::WriteOpinion && flow.state == State::PrelimOpinion;
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
        let facts = flow.case_facts(doc.as_ref(), today, input.reason.as_deref());
        allowed(&facts, from, input.action, who.role, &config.options)
            .map_err(WorkflowError::Refused)?
            .to
    };
    after(&mut flow, input.action, from, today, config);
    if to != from {
        flow.entered = today;
    }
    flow.state = to;
    flow.records += 1;
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let detail = json!({
        "missing_items": input.missing_items, "team": input.team.as_ref().map(|_| &flow.facts.team),
        "opinion": if input.action == Action::WriteOpinion { json!(flow.facts.opinion) } else { Value::Null },
        "decision": if input.action == Action::Approve { json!(flow.facts.decision) } else { Value::Null },
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
    }
    put_flow(txn, &flow, now)?;
    write_header(txn, &flow, config, who, now, to != from)?;
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

/// Whether the action would be taken now, without taking it.
pub fn check(
    store: &dyn Store,
    config: &WorkflowConfig,
    case: CaseId,
    who: &Who,
    input: &ActionInput,
    now: i64,
) -> Result<()> {
    let mut allowed = false;
    let outcome = in_txn(store, &mut |txn| {
        act_in(txn, config, case, who, input, now)?;
        allowed = true;
        // Roll everything back: only the answer is wanted.
        Err::<(), _>(WorkflowError::Invalid("dry run".into()))
    });
    match outcome {
        Err(e) if !allowed => Err(e),
        _ => Ok(()),
    }
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
    let mut flow = load_flow(txn, case, Date::in_china(now))?;
    change(&mut flow.facts)?;
    put_flow(txn, &flow, now)?;
    write_header(txn, &flow, config, who, now, false)?;
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

/// Take an action; one that sends the case to a team's tablets (开始调查, 重新调查) assigns the
/// team first, once `team_ok` accepted its names. The move is checked before, so a refused move
/// assigns nobody.
pub fn act_assigning(
    store: &dyn Store,
    config: &WorkflowConfig,
    case: CaseId,
    who: &Who,
    input: &ActionInput,
    now: i64,
    team_ok: &dyn Fn(&[String]) -> Result<()>,
) -> Result<Flow> {
    if matches!(
        input.action,
        Action::StartInvestigation | Action::Reinvestigate
    ) {
        let team = input.team.clone().unwrap_or_default();
        team_ok(&team)?;
        check(store, config, case, who, input, now)?;
        crate::cases::assign_as(store, case, &team, &who.editor(), now)?;
    }
    act(store, config, case, who, input, now)
}

/// The moves a role could take from the case's state now: allowed or the engine's reason.
pub fn available(
    flow: &Flow,
    doc: Option<&CaseDoc>,
    role: Role,
    config: &WorkflowConfig,
    today: Date,
) -> Vec<Value> {
    let facts = flow.case_facts(doc, today, Some("…"));
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
        if matches!(action, Action::StartInvestigation | Action::Reinvestigate) && f.team.len() < 2
        {
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
