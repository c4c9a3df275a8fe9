//! Imports and the warning queue. An import reads a department file, keeps each new row (its
//! identity the hash of its content, so the same file again adds nothing), evaluates the rules
//! and keeps each new warning — all in one transaction, with one audit record. A warning is then
//! handled by the township within its working-day limit: dismissed with a reason, a 探访 case
//! opened for the household, or an application opened on the family's behalf (依申请 → 主动).

use super::register::{Household, Layer, Register};
use super::rules::{MonitoringConfig, Raised, Rule};
use super::sources::{self, Fact, RowOutcome, Source};
use super::{IMPORT, ROW, Result, WARNING, WorkflowError};
use crate::audit::AuditEvent;
use crate::review::access;
use crate::store::{DocTxn, Item, Store, User};
use crate::sync_engine::write_server_change;
use crate::workflow::config::WorkflowConfig;
use crate::workflow::flow::{Application, DeclaredPerson, FLOW, Facts, Flow, Member, Person};
use crate::workflow::flows::{in_txn, load_doc, put_flow};
use crate::workflow::service::write_header;
use crate::workflow::window::{self, Desk, WindowApplication};
use crate::workflow::{Who, ordered_id, serial_no};
use jiuzhu_shared::CaseId;
use jiuzhu_shared::policy::Grant;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::schema::{CaseDoc, DeclaredMember, Finding};
use jiuzhu_shared::workflow::calendar::{Calendar, deadline};
use jiuzhu_shared::workflow::{CaseKind, Programme, State};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningState {
    Open,
    Dismissed,
    Visiting,
    Applied,
}

impl WarningState {
    pub fn zh(self) -> &'static str {
        match self {
            WarningState::Open => "待处理",
            WarningState::Dismissed => "已排除",
            WarningState::Visiting => "已派探访",
            WarningState::Applied => "已代为申请",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub state: WarningState,
    pub note: String,
    pub by: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// The rule, household and rows hashed: the same data never warns twice.
    pub id: String,
    pub rule: Rule,
    pub household: String,
    pub head_name: String,
    pub township: String,
    pub village: String,
    pub layer: Layer,
    pub rows: Vec<Fact>,
    pub why: String,
    pub raised_on: Date,
    /// The last day of the handling limit (working days).
    pub due: Date,
    pub state: WarningState,
    pub steps: Vec<Step>,
    #[serde(default)]
    pub visit_case: Option<String>,
    #[serde(default)]
    pub application_case: Option<String>,
}

impl Warning {
    /// The day it was first handled, if it was.
    pub fn handled_on(&self) -> Option<Date> {
        self.steps.first().map(|s| Date::in_china(s.at))
    }

    pub fn overdue(&self, today: Date) -> bool {
        self.state == WarningState::Open && today > self.due
    }

    /// The queue's row; ID numbers masked for roles that see them masked.
    pub fn json(&self, today: Date, mask: bool) -> Value {
        let id = |s: &str| {
            if mask {
                access::mask_id_number(s)
            } else {
                s.to_string()
            }
        };
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|f| json!({"source": f.source, "source_zh": f.source.zh(), "id_number": id(&f.id_number), "name": f.name, "text": f.zh()}))
            .collect();
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|s| json!({"state": s.state, "state_zh": s.state.zh(), "note": s.note, "by": s.by, "at": s.at}))
            .collect();
        let mut why = self.why.clone();
        if mask {
            why = access::mask_long_numbers(&why);
        }
        json!({
            "id": self.id, "rule": self.rule, "rule_zh": self.rule.zh(),
            "household": id(&self.household), "head_name": self.head_name,
            "township": self.township, "village": self.village, "layer": self.layer, "layer_zh": self.layer.zh(),
            "rows": rows, "why": why, "raised_on": self.raised_on, "due": self.due,
            "overdue": self.overdue(today), "state": self.state, "state_zh": self.state.zh(),
            "steps": steps, "visit_case": self.visit_case, "application_case": self.application_case,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    pub import_id: String,
    pub imported: usize,
    pub duplicates: usize,
    pub unmatched: usize,
    pub errors: usize,
    /// Rows other than plainly imported ones: errors, duplicates, unmatched.
    pub rows: Vec<RowOutcome>,
    pub warnings: Vec<String>,
}

fn parse_item<T: serde::de::DeserializeOwned>(i: Item) -> Result<T> {
    serde_json::from_value(i.body)
        .map_err(|e| WorkflowError::Invalid(format!("damaged monitoring record: {e}")))
}

fn put_warning(txn: &mut dyn DocTxn, w: &Warning, now: i64) -> Result<()> {
    txn.put_item(&Item {
        kind: WARNING.into(),
        id: w.id.clone(),
        case_id: None,
        body: serde_json::to_value(w).expect("a warning serialises"),
        at: now,
    })?;
    Ok(())
}

/// Keep the warnings `raised` that are new: not the same warning again, no open one of the same
/// rule on the household (new rows of a household already in the queue add no second warning),
/// and not one whose rows an earlier warning of the same rule already showed (a medical window
/// moving past an old bill does not bring a dismissed warning back). Answers the ids kept.
fn keep_new(
    txn: &mut dyn DocTxn,
    register: &Register,
    raised: Vec<Raised>,
    facts: &[Fact],
    (calendar, working_days): (&Calendar, u32),
    today: Date,
    now: i64,
) -> Result<Vec<String>> {
    let mut existing: Vec<Warning> = txn
        .items(WARNING, None)?
        .into_iter()
        .map(parse_item)
        .collect::<Result<_>>()?;
    let mut kept = Vec::new();
    for r in raised {
        let id = r.key();
        if existing.iter().any(|w| {
            let same = w.rule == r.rule && w.household == r.household;
            w.id == id
                || (same && w.state == WarningState::Open)
                || (same && r.rows.iter().all(|row| w.rows.iter().any(|f| &f.id == row)))
        }) {
            continue;
        }
        let Some(h) = register.households.get(&r.household) else {
            continue;
        };
        let w = Warning {
            id: id.clone(),
            rule: r.rule,
            household: h.id.clone(),
            head_name: h.head_name.clone(),
            township: h.township.clone(),
            village: h.village.clone(),
            layer: h.layer,
            rows: facts
                .iter()
                .filter(|f| r.rows.contains(&f.id))
                .cloned()
                .collect(),
            why: r.why,
            raised_on: today,
            due: deadline(calendar, today, working_days),
            state: WarningState::Open,
            steps: Vec::new(),
            visit_case: None,
            application_case: None,
        };
        put_warning(txn, &w, now)?;
        existing.push(w);
        kept.push(id);
    }
    Ok(kept)
}

/// Import a department file: one transaction, one audit record.
pub fn import(
    store: &dyn Store,
    config: &MonitoringConfig,
    calendar: &Calendar,
    who: &Who,
    source: Source,
    text: &str,
    now: i64,
) -> Result<ImportReport> {
    let parsed = sources::parse(source, text)?;
    let today = Date::in_china(now);
    let rules = config.on(today)?.clone();
    let register = super::register::load(store)?;
    let file = super::digest(&[source.code(), text]);
    in_txn(store, &mut |txn| {
        let mut report = ImportReport {
            import_id: ordered_id(),
            ..ImportReport::default()
        };
        let mut outcome = |row, status, message: String| {
            report.rows.push(RowOutcome {
                row,
                status,
                message,
            })
        };
        for (line, row) in &parsed {
            let fact = match row {
                Ok(f) => f,
                Err(message) => {
                    outcome(*line, "error", format!("第{line}行：{message}"));
                    continue;
                }
            };
            if txn.item(ROW, &fact.id)?.is_some() {
                outcome(
                    *line,
                    "duplicate",
                    format!("第{line}行：已导入过相同的记录"),
                );
                continue;
            }
            txn.put_item(&Item {
                kind: ROW.into(),
                id: fact.id.clone(),
                case_id: None,
                body: serde_json::to_value(fact).expect("a row serialises"),
                at: now,
            })?;
            if register.household_of(&fact.id_number).is_none() {
                outcome(
                    *line,
                    "unmatched",
                    format!(
                        "第{line}行：{}不在低收入人口登记库中（已保存，登记后再比对）",
                        fact.name
                    ),
                );
            } else {
                outcome(*line, "imported", String::new());
            }
        }
        report.warnings = raise(txn, &register, &rules, calendar, today, now)?;
        for r in &report.rows {
            match r.status {
                "imported" => report.imported += 1,
                "duplicate" => report.duplicates += 1,
                "unmatched" => report.unmatched += 1,
                _ => report.errors += 1,
            }
        }
        report.rows.retain(|r| r.status != "imported");
        let summary = json!({
            "source": source, "file": file, "by": who.name, "at": now,
            "imported": report.imported, "duplicates": report.duplicates,
            "unmatched": report.unmatched, "errors": report.errors,
            "warnings": report.warnings, "rows": report.rows,
        });
        txn.put_item(&Item {
            kind: IMPORT.into(),
            id: report.import_id.clone(),
            case_id: None,
            body: summary.clone(),
            at: now,
        })?;
        summary_audit(txn, who, "monitor_import", summary, now)?;
        Ok(report)
    })
}

/// Run the rules over every stored row against `register` on `today` and keep the new warnings.
fn raise(
    txn: &mut dyn DocTxn,
    register: &Register,
    rules: &super::rules::Version,
    calendar: &Calendar,
    today: Date,
    now: i64,
) -> Result<Vec<String>> {
    let facts: Vec<Fact> = txn
        .items(ROW, None)?
        .into_iter()
        .map(parse_item)
        .collect::<Result<_>>()?;
    let raised = super::rules::evaluate(register, &facts, rules, today);
    keep_new(
        txn,
        register,
        raised,
        &facts,
        (calendar, rules.handling_working_days),
        today,
        now,
    )
}

/// Run the rules again over the rows already imported, with the register as it is now and the
/// rules in force on `today`: a row that matched nobody when its file came in warns once its
/// household is registered, and rules whose version changed apply to the rows they now catch.
/// The scheduler runs it with the 定期探访; a roll import runs it at once. Audited when it raises.
pub fn reevaluate(
    store: &dyn Store,
    config: &MonitoringConfig,
    calendar: &Calendar,
    who: &Who,
    today: Date,
    now: i64,
) -> Result<Vec<String>> {
    let rules = config.on(today)?.clone();
    let register = super::register::load(store)?;
    in_txn(store, &mut |txn| {
        let kept = raise(txn, &register, &rules, calendar, today, now)?;
        if !kept.is_empty() {
            summary_audit(
                txn,
                who,
                "monitor_reevaluate",
                json!({"rules": rules.version, "warnings": kept}),
                now,
            )?;
        }
        Ok(kept)
    })
}

fn summary_audit(
    txn: &mut dyn DocTxn,
    who: &Who,
    what: &str,
    detail: Value,
    now: i64,
) -> Result<()> {
    txn.audit(&AuditEvent::new(now, who.audit.clone(), what, None, detail))?;
    Ok(())
}

/// The imports, newest first.
pub fn imports(store: &dyn Store) -> Result<Vec<Value>> {
    in_txn(store, &mut |txn| {
        let mut v: Vec<Item> = txn.items(IMPORT, None)?;
        v.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(v.into_iter()
            .map(|i| json!({"id": i.id, "detail": i.body}))
            .collect())
    })
}

/// Every warning (the caller filters by scope).
pub fn all(store: &dyn Store) -> Result<Vec<Warning>> {
    in_txn(store, &mut |txn| {
        txn.items(WARNING, None)?
            .into_iter()
            .map(parse_item)
            .collect()
    })
}

/// The warnings `user` sees: their township's, or all for the banner-wide roles; oldest first.
pub fn queue(store: &dyn Store, user: &User) -> Result<Vec<Warning>> {
    let mut v: Vec<Warning> = all(store)?
        .into_iter()
        .filter(|w| access::sees(user, &w.township))
        .collect();
    v.sort_by(|a, b| (a.raised_on, &a.id).cmp(&(b.raised_on, &b.id)));
    Ok(v)
}

/// Change the warning `id` that `user` sees (404 otherwise, without telling which).
fn handle(
    store: &dyn Store,
    user: &User,
    id: &str,
    f: &mut dyn FnMut(&mut dyn DocTxn, &mut Warning) -> Result<()>,
) -> Result<Warning> {
    in_txn(store, &mut |txn| {
        let mut w: Warning = txn
            .item(WARNING, id)?
            .map(parse_item::<Warning>)
            .transpose()?
            .filter(|w: &Warning| access::sees(user, &w.township))
            .ok_or_else(|| WorkflowError::NotFound("没有这条预警".into()))?;
        f(txn, &mut w)?;
        Ok(w)
    })
}

fn step(
    txn: &mut dyn DocTxn,
    w: &mut Warning,
    who: &Who,
    state: WarningState,
    note: &str,
    now: i64,
) -> Result<()> {
    w.state = state;
    w.steps.push(Step {
        state,
        note: note.to_string(),
        by: who.name.clone(),
        at: now,
    });
    put_warning(txn, w, now)?;
    txn.audit(&AuditEvent::new(
        now,
        who.audit.clone(),
        "monitor_warning",
        w.visit_case.clone().or(w.application_case.clone()),
        json!({"warning": w.id, "rule": w.rule, "state": state, "note": note}),
    ))?;
    Ok(())
}

fn must_be_open(w: &Warning) -> Result<()> {
    if w.state != WarningState::Open {
        return Err(WorkflowError::Invalid(format!(
            "这条预警{}，不能再处理",
            w.state.zh()
        )));
    }
    Ok(())
}

/// Dismiss a warning, with the reason.
pub fn dismiss(
    store: &dyn Store,
    who: &Who,
    user: &User,
    id: &str,
    reason: &str,
    now: i64,
) -> Result<Warning> {
    let reason = reason.trim();
    if reason.chars().count() < 2 {
        return Err(WorkflowError::Invalid("请写明排除预警的理由".into()));
    }
    handle(store, user, id, &mut |txn, w| {
        must_be_open(w)?;
        step(txn, w, who, WarningState::Dismissed, reason, now)
    })
}

/// Open a 探访 case for the household of the warning.
pub fn open_visit(
    store: &dyn Store,
    config: &WorkflowConfig,
    who: &Who,
    user: &User,
    id: &str,
    now: i64,
) -> Result<Warning> {
    let register = super::register::load(store)?;
    handle(store, user, id, &mut |txn, w| {
        must_be_open(w)?;
        let h = register
            .households
            .get(&w.household)
            .ok_or_else(|| WorkflowError::NotFound("登记库中已没有这户家庭".into()))?;
        // The visit gets the warning's handling time again, from today.
        let today = Date::in_china(now);
        let span = config.calendar.working_days_between(w.raised_on, w.due);
        let due = deadline(&config.calendar, today, span.max(1));
        let flow = open_visit_case(
            txn,
            config,
            h,
            (&format!("预警（{}）：{}", w.rule.zh(), w.why), due),
            &w.id,
            who,
            now,
        )?;
        w.visit_case = Some(flow.case_id.clone());
        step(
            txn,
            w,
            who,
            WarningState::Visiting,
            &format!("已派探访{}", flow.case_no),
            now,
        )
    })
}

/// Open a 探访 case (kind `visit`, state 已受理) for household `h`, due on `due`: the household's
/// members as the declared ones and `why` as a finding, so the visit the lead assigns reaches the
/// team's tablets like a change review. `discovered_by` names the warning or the schedule entry.
pub fn open_visit_case(
    txn: &mut dyn DocTxn,
    config: &WorkflowConfig,
    h: &Household,
    (why, due): (&str, Date),
    discovered_by: &str,
    who: &Who,
    now: i64,
) -> Result<Flow> {
    let today = Date::in_china(now);
    let id = CaseId::new();
    let case_no = serial_no(txn, "TF", FLOW, today)?;
    let programme = if h.layer == Layer::Tekun {
        Programme::Tekun
    } else {
        Programme::Dibao
    };
    let mut c = CaseDoc {
        schema_version: jiuzhu_shared::schema::SCHEMA_VERSION,
        case_id: id.to_string(),
        ..CaseDoc::default()
    };
    c.header.case_no = case_no.clone();
    c.header.case_type = crate::workflow::flow::case_type_of(programme, &h.village).into();
    c.header.applicant_name = h.head_name.clone();
    c.header.applicant_id_number = h.id.clone();
    c.header.township = h.township.clone();
    c.header.village = h.village.clone();
    c.header.status = State::Accepted.code().into();
    c.declared.members = h
        .members
        .iter()
        .map(|m| DeclaredMember {
            id: jiuzhu_shared::ids::new_row_id(),
            name: m.name.clone(),
            id_number: m.id_number.clone(),
            relation: m.relation.clone(),
            disability_grade: m
                .disability_grade
                .map(|g| format!("{g}级"))
                .unwrap_or_default(),
            ..DeclaredMember::default()
        })
        .collect();
    c.findings.push(Finding {
        id: jiuzhu_shared::ids::new_row_id(),
        text: format!("探访（{}）：{why}", h.layer.zh()),
        by: who.name.clone(),
        at: Some(now * 1000),
        ..Default::default()
    });
    write_server_change(txn, id, (who.actor, &Grant::server()), now, &mut |doc| {
        doc.write(&c, "visit opened", now)
    })?;
    let flow = Flow {
        case_id: id.to_string(),
        case_no,
        programme,
        kind: CaseKind::Visit,
        state: State::Accepted,
        entered: today,
        accepted: Some(today),
        township: h.township.clone(),
        phone: None,
        origin: None,
        records: 0,
        facts: Facts {
            declared_people: h
                .members
                .iter()
                .map(|m| DeclaredPerson {
                    name: m.name.clone(),
                    id_number: m.id_number.clone(),
                    applicant: m.id_number == h.id,
                })
                .collect(),
            discovered_by: Some(discovered_by.to_string()),
            visit_due: Some(due),
            ..Facts::default()
        },
        application: None,
    };
    put_flow(txn, &flow, now)?;
    write_header(txn, &flow, config, who, now)?;
    txn.audit(&AuditEvent::new(
        now,
        who.audit.clone(),
        "open_visit",
        Some(id.to_string()),
        json!({ "household": h.id, "discovered_by": discovered_by }),
    ))?;
    Ok(flow)
}

/// The application the window opens for household `h` (the caseworker completes it there).
fn application_of(h: &Household) -> WindowApplication {
    let programme = if h.layer == Layer::Tekun {
        "tekun"
    } else {
        "dibao"
    };
    WindowApplication {
        application: Application {
            programme: programme.into(),
            township: h.township.clone(),
            village: h.village.clone(),
            applicant: Person {
                name: h.head_name.clone(),
                id_number: h.id.clone(),
            },
            members: h
                .members
                .iter()
                .map(|m| Member {
                    name: m.name.clone(),
                    id_number: m.id_number.clone(),
                    relation: m.relation.clone(),
                    ..Member::default()
                })
                .collect(),
            ..Application::default()
        },
        phone: String::new(),
    }
}

/// Open an application on the family's behalf (依申请 → 主动): a window draft of the household's
/// township, marked as discovered by `discovered_by`.
fn apply_for(
    store: &dyn Store,
    who: &Who,
    h: &Household,
    discovered_by: &str,
    now: i64,
) -> Result<Flow> {
    let desk = Desk {
        who,
        township: &h.township,
    };
    let flow = window::open(store, &desk, &application_of(h), now)?;
    in_txn(store, &mut |txn| {
        let mut f = crate::workflow::flows::load_flow(txn, flow.id()?)?;
        f.facts.discovered_by = Some(discovered_by.to_string());
        put_flow(txn, &f, now)?;
        txn.audit(&AuditEvent::new(
            now,
            who.audit.clone(),
            "proactive_application",
            Some(f.case_id.clone()),
            json!({ "household": h.id, "discovered_by": discovered_by }),
        ))?;
        Ok(f)
    })
}

/// Open an application from a warning.
pub fn apply_from_warning(
    store: &dyn Store,
    who: &Who,
    user: &User,
    id: &str,
    now: i64,
) -> Result<(Warning, Flow)> {
    let register = super::register::load(store)?;
    let w = handle(store, user, id, &mut |_, w| {
        if !matches!(w.state, WarningState::Open | WarningState::Visiting) {
            return Err(WorkflowError::Invalid(format!(
                "这条预警{}，不能再处理",
                w.state.zh()
            )));
        }
        Ok(())
    })?;
    let h = register
        .households
        .get(&w.household)
        .ok_or_else(|| WorkflowError::NotFound("登记库中已没有这户家庭".into()))?;
    let flow = apply_for(store, who, h, &w.id, now)?;
    let w = handle(store, user, id, &mut |txn, w| {
        w.application_case = Some(flow.case_id.clone());
        step(
            txn,
            w,
            who,
            WarningState::Applied,
            &format!("已代为申请{}", flow.case_no),
            now,
        )
    })?;
    Ok((w, flow))
}

/// Open an application from a 探访 case the user sees: the household named on its header; its
/// warning, if one led to it, records the application.
pub fn apply_from_visit(
    store: &dyn Store,
    who: &Who,
    user: &User,
    case: CaseId,
    now: i64,
) -> Result<Flow> {
    let (visit, doc) = in_txn(store, &mut |txn| {
        Ok((
            crate::workflow::flows::load_flow(txn, case)?,
            load_doc(txn, case)?,
        ))
    })?;
    if visit.kind != CaseKind::Visit || !access::sees(user, &visit.township) {
        return Err(WorkflowError::NotFound("没有这个探访任务".into()));
    }
    let head = doc
        .map(|d| d.header.applicant_id_number)
        .unwrap_or_default();
    let register = super::register::load(store)?;
    let h = register
        .household_of(&head)
        .ok_or_else(|| WorkflowError::NotFound("登记库中已没有这户家庭".into()))?;
    let flow = apply_for(store, who, h, &visit.case_id, now)?;
    if let Some(w) = all(store)?
        .into_iter()
        .find(|w| w.visit_case.as_deref() == Some(visit.case_id.as_str()))
    {
        handle(store, user, &w.id, &mut |txn, w| {
            w.application_case = Some(flow.case_id.clone());
            step(
                txn,
                w,
                who,
                WarningState::Applied,
                &format!("探访后代为申请{}", flow.case_no),
                now,
            )
        })?;
    }
    Ok(flow)
}
