//! Active cases: periodic reports (定期报告) from the family's phone page and scheduled reviews
//! (定期核查, yearly or half-yearly by household type). Either opens a change-review case that
//! runs the lighter pipeline and reaches the tablets like a new case once a team is assigned.

use super::config::WorkflowConfig;
use super::flow::*;
use super::flows::{all_flows, in_txn, load_doc, load_flow, put_flow};
use super::service::write_header;
use super::{Result, Who, WorkflowError};
use crate::store::{DocTxn, Item, Store};
use crate::sync_engine::write_server_change;
use jiuzhu_shared::CaseId;
use jiuzhu_shared::policy::Grant;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::schema::CaseDoc;
use jiuzhu_shared::workflow::{CaseKind, State};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The household size shown on 公示 and ballots: the declared members.
pub fn household_size(store: &dyn Store, flow: &Flow) -> usize {
    if let Some(app) = &flow.application {
        return app.members.len();
    }
    flow.case_id
        .parse()
        .ok()
        .and_then(|id| crate::cases::load_case(store, id).ok())
        .and_then(|d| d.read().ok())
        .map(|d| d.declared.members.len())
        .unwrap_or(0)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Changes {
    pub members: bool,
    pub health: bool,
    pub income: bool,
    pub property: bool,
    pub costs: bool,
}

impl Changes {
    fn any(&self) -> bool {
        self.members || self.health || self.income || self.property || self.costs
    }

    fn zh(&self) -> String {
        let mut v = Vec::new();
        for (on, zh) in [
            (self.members, "家庭人口"),
            (self.health, "健康/残疾"),
            (self.income, "收入"),
            (self.property, "财产"),
            (self.costs, "刚性支出"),
        ] {
            if on {
                v.push(zh);
            }
        }
        v.join("、")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportInput {
    pub changes: Changes,
    pub details: String,
    pub income_fen_month: Option<i64>,
}

/// Open a change-review case of an active case (inside `txn`); returns its case number.
fn open_review(
    txn: &mut dyn DocTxn,
    config: &WorkflowConfig,
    origin: &mut Flow,
    why: &str,
    who: &Who,
    now: i64,
) -> Result<String> {
    let today = Date::in_china(now);
    let origin_id = origin.id()?;
    let Some(source) = load_doc(txn, origin_id)? else {
        return Err(WorkflowError::NotFound("没有这个案件".into()));
    };
    let id = CaseId::new();
    let case_no = super::serial_no(txn, "HC", FLOW, today)?;
    let mut c = CaseDoc {
        schema_version: jiuzhu_shared::schema::SCHEMA_VERSION,
        case_id: id.to_string(),
        header: source.header.clone(),
        declared: source.declared.clone(),
        ..CaseDoc::default()
    };
    c.header.case_no = case_no.clone();
    c.header.assigned_team = Vec::new();
    c.header.status = State::Accepted.code().into();
    c.findings.push(jiuzhu_shared::schema::Finding {
        id: jiuzhu_shared::ids::new_row_id(),
        text: format!("变更核查（原案件{}）：{why}", origin.case_no),
        by: who.name.clone(),
        at: Some(now * 1000),
        ..Default::default()
    });
    write_server_change(txn, id, (who.actor, &Grant::server()), now, &mut |doc| {
        doc.write(&c, "change review opened", now)
    })?;
    let flow = Flow {
        case_id: id.to_string(),
        case_no: case_no.clone(),
        programme: origin.programme,
        kind: CaseKind::ChangeReview,
        state: State::Accepted,
        entered: today,
        accepted: Some(today),
        township: origin.township.clone(),
        phone: origin.phone.clone(),
        origin: Some(origin.case_id.clone()),
        records: 0,
        facts: Facts {
            declared_people: origin.facts.declared_people.clone(),
            ..Facts::default()
        },
        application: origin.application.clone(),
    };
    put_flow(txn, &flow, now)?;
    write_header(txn, &flow, config, who, now)?;
    origin.facts.open_review = Some(id.to_string());
    put_flow(txn, origin, now)?;
    txn.audit(&crate::audit::AuditEvent::new(
        now,
        who.audit.clone(),
        "open_review",
        Some(id.to_string()),
        json!({ "origin": origin.case_id, "why": why }),
    ))?;
    Ok(case_no)
}

/// A family's periodic report. A reported change opens a change review at once.
pub fn submit_report(
    store: &dyn Store,
    config: &WorkflowConfig,
    case: CaseId,
    phone: &str,
    input: &ReportInput,
    who: &Who,
    now: i64,
) -> Result<(String, Option<String>)> {
    if !input.changes.any() && input.details.trim().is_empty() {
        return Err(WorkflowError::Invalid(
            "请勾选发生变化的情况，或写明“无变化”".into(),
        ));
    }
    in_txn(store, &mut |txn| {
        let mut flow = super::applications::own(txn, case, phone)?;
        if flow.state != State::Active {
            return Err(WorkflowError::Invalid(
                "只有在保家庭可以提交定期报告".into(),
            ));
        }
        let id = super::ordered_id();
        let review = if input.changes.any() && flow.facts.open_review.is_none() {
            let why = format!(
                "家庭定期报告：{}发生变化。{}",
                input.changes.zh(),
                input.details.trim()
            );
            Some(open_review(txn, config, &mut flow, &why, who, now)?)
        } else {
            None
        };
        txn.put_item(&Item {
            kind: REPORT.into(),
            id: id.clone(),
            case_id: Some(flow.case_id.clone()),
            body: json!({ "input": input, "review_case_no": review, "submitted_at": now }),
            at: now,
        })?;
        if let Some(no) = &review {
            let notice = super::notices::Notice {
                id: super::ordered_id(),
                case_id: flow.case_id.clone(),
                kind: "review_opened".into(),
                title: "定期报告受理回执".into(),
                number: String::new(),
                addressee: flow
                    .application
                    .as_ref()
                    .map(|a| a.applicant.name.clone())
                    .unwrap_or_default(),
                paragraphs: vec![format!(
                    "已收到您家庭的定期报告（{}发生变化）。乡镇将进行变更核查（编号{no}），调查人员会与您联系入户核实。核查期间保障金照常发放。",
                    input.changes.zh()
                )],
                fields: vec![],
                issuer: format!("{}人民政府", flow.township),
                date: Date::in_china(now).to_string(),
                created_at: now,
            };
            super::notices::put(txn, &flow.case_id, &notice, now)?;
        }
        Ok((id.clone(), review.clone()))
    })
}

/// Open review cases for every active case whose review is due on `today`; returns their
/// numbers. Idempotent: a case with an open review is skipped.
pub fn schedule_due(
    store: &dyn Store,
    config: &WorkflowConfig,
    who: &Who,
    today: Date,
    now: i64,
) -> Result<Vec<String>> {
    let due: Vec<Flow> = all_flows(store)?
        .into_iter()
        .filter(|f| f.state == State::Active && f.facts.open_review.is_none())
        .filter(|f| f.facts.next_review.is_some_and(|d| d <= today))
        .collect();
    let mut opened = Vec::new();
    for f in due {
        let case = f.id()?;
        let no = in_txn(store, &mut |txn| {
            let mut flow = load_flow(txn, case)?;
            let due = flow
                .facts
                .next_review
                .map(|d| d.to_string())
                .unwrap_or_default();
            crate::notify::outbox::report_due(txn, &flow.addressee(), &due, now)?;
            open_review(
                txn,
                config,
                &mut flow,
                &format!("定期核查（应于{due}前完成）"),
                who,
                now,
            )
        })?;
        opened.push(no);
    }
    Ok(opened)
}
