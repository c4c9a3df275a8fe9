//! The console's view of a case's workflow (the `Workflow` answer of docs/workflow-api.md): state,
//! facts, records, deadlines, the moves the user's role could take, notices, materials,
//! objections and meetings. ID numbers are masked for roles that do not verify identities —
//! everywhere in it: the application, the records' details, the facts and free texts.

use super::config::WorkflowConfig;
use super::{Result, applications, flow, flows, meetings, notices, publicity, service};
use crate::review::access;
use crate::store::Store;
use jiuzhu_shared::CaseId;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::Role;
use serde_json::{Value, json};

/// The `Workflow` answer for a user of `role`.
pub fn workflow(
    store: &dyn Store,
    config: &WorkflowConfig,
    case: CaseId,
    role: Role,
    today: Date,
) -> Result<Value> {
    let flow = flows::flow(store, case)?;
    let doc = crate::cases::load_case(store, case)
        .ok()
        .and_then(|d| d.read().ok());
    let records: Vec<Value> = flows::records(store, case)?
        .into_iter()
        .map(|r| {
            json!({
                "n": r.n, "action": r.action, "zh": r.action.zh(), "from": r.from, "to": r.to,
                "to_zh": r.to.zh(), "role": r.role, "role_zh": r.role.zh(), "actor": r.actor,
                "at": r.at, "reason": r.reason, "detail": r.detail,
            })
        })
        .collect();
    let (state_due, overall) = service::deadlines(&flow, config, today);
    let materials: Vec<Value> = applications::materials(store, &flow.case_id)?
        .into_iter()
        .map(|m| json!({"id": m.id, "kind": m.kind, "kind_zh": applications::material_zh(&m.kind), "name": m.name, "uploaded_at": m.uploaded_at}))
        .collect();
    let notices: Vec<Value> = notices::of_case(store, &flow.case_id)?
        .into_iter()
        .map(|n| json!({"id": n.id, "kind": n.kind, "title": n.title, "number": n.number, "created_at": n.created_at, "paragraphs": n.paragraphs, "pdf": format!("/api/console/notices/{}.pdf", n.id)}))
        .collect();
    let objections: Vec<Value> = publicity::of_case(store, &flow.case_id)?
        .into_iter()
        .map(|o| json!({"id": o.id, "receipt": o.receipt, "channel": o.channel, "channel_zh": publicity::channel_zh(&o.channel), "content": o.content, "contact": o.contact, "received_at": o.received_at, "by": o.by}))
        .collect();
    let meetings: Vec<Value> = meetings::list(store)?
        .into_iter()
        .filter(|m| m.case_ids.contains(&flow.case_id))
        .map(|m| json!({"id": m.id, "title": m.title, "held_on": m.held_on, "open": m.open}))
        .collect();
    let f = &flow.facts;
    let mut view = json!({
        "case_id": flow.case_id, "case_no": flow.case_no,
        "programme": flow.programme, "programme_zh": flow.programme.zh(),
        "kind": flow.kind, "kind_zh": flow.kind.zh(),
        "state": flow.state, "state_zh": flow.state.zh(),
        "entered": flow.entered, "accepted": flow.accepted,
        "facts": {
            "missing_items": f.missing_items, "checklist": f.checklist, "team": f.team,
            "separately_registered": f.separately_registered, "separately_reason": f.separately_reason,
            "extension": f.extension,
            "opinion": f.opinion, "previous_opinion": f.previous_opinion, "decision": f.decision,
            "publicity": f.publicity.as_ref().map(|p| json!({"from": p.from, "to": p.to})),
            "objections": objections,
            "visit": doc.as_ref().and_then(|d| flow::visit_facts(d, f.accepted_visit.as_deref())),
            "visit_accepted": doc.as_ref().and_then(|d| flow::visit_facts(d, f.accepted_visit.as_deref())).is_some_and(|v| v.accepted),
            "refusal": doc.as_ref().and_then(flow::refusal),
            "situation": f.situation,
            "check_results": f.check_results, "check_disputed": f.check_disputed,
            "complaints": f.complaints,
            "decider_visit": f.decider_visit.as_ref().map(|v| json!({
                "visited_on": v.visited_on, "staff": v.staff, "findings": v.findings, "by": v.by, "at": v.at,
                "photos": v.photos.iter().map(|id| json!({"id": id, "name": materials.iter().find(|m| m["id"] == json!(id)).map(|m| m["name"].clone())})).collect::<Vec<_>>(),
            })),
            "review_minutes_recorded": f.review_minutes_recorded,
            "democratic_review_done": f.democratic_review_done,
            "next_review": f.next_review, "open_review": f.open_review, "origin": flow.origin,
            "discovered_by": f.discovered_by,
        },
        "records": records,
        "actions": service::available(&flow, doc.as_ref(), role, config, today),
        "deadline": state_due, "overall": overall,
        "calendar_installed": config.has_calendar,
        "notices": notices, "materials": materials,
        "signed": {"promise": f.signed("promise") || flow.phone.is_none(), "consent": flow.consent_complete(today)},
        "consent_signers": f.signatures.iter().filter(|s| s.document == "consent").map(|s| s.signer.clone()).collect::<Vec<_>>(),
        "consent_pending": flow.consent_pending(today),
        "application": flow.application, "meetings": meetings,
    });
    if access::masks_id_numbers(role) {
        access::mask_id_numbers_in(&mut view);
    }
    Ok(view)
}
