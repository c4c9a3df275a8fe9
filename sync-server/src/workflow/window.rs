//! The township window (一门受理, docs/window-api.md): a caseworker takes the application of a
//! family who walks in — the same application the phone pages take, the paper materials
//! photographed, each adult's 授权核对书 signed on a pad or on paper and scanned — and submits
//! and accepts it in one transaction, printing the 受理回执. Until then the case is a draft
//! held by the window of its township; after it, an ordinary case.

use super::applications::{self, Party};
use super::config::WorkflowConfig;
use super::flow::*;
use super::flows::{all_flows, in_txn, load_doc, put_flow};
use super::service::{ActionInput, act_in, deadlines};
use super::{Result, Who, WorkflowError, notices};
use crate::review::access;
use crate::store::{Store, User};
use jiuzhu_pdf::{Block, Document, Text};
use jiuzhu_shared::CaseId;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::{Action, CaseKind, State};
use serde::Deserialize;
use serde_json::{Value, json};

/// What the window sends: the application and the applicant's mobile number, if they have one
/// (then they can follow the case on the phone pages).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WindowApplication {
    #[serde(flatten)]
    pub application: Application,
    pub phone: String,
}

/// The window's caseworker and township, as the party holding its drafts.
pub struct Desk<'a> {
    pub who: &'a Who,
    pub township: &'a str,
}

impl<'a> Desk<'a> {
    /// The desk as the party holding its window's cases.
    pub fn party(&self) -> Party<'a> {
        Party::Window {
            who: self.who,
            township: self.township,
        }
    }
}

/// The application as the window typed it: checked like the phone's, in the caseworker's own
/// township, with a valid mobile number or none.
fn checked(desk: &Desk<'_>, input: &WindowApplication) -> Result<(Application, Option<String>)> {
    let mut app = input.application.clone();
    app.township = desk.township.to_string();
    let app = applications::validate(&app)?;
    let phone = input.phone.trim();
    if !phone.is_empty() && !applications::phone_valid(phone) {
        return Err(WorkflowError::Invalid(
            "申请人手机号码应为11位数字；没有手机的请留空".into(),
        ));
    }
    Ok((app, (!phone.is_empty()).then(|| phone.to_string())))
}

/// Open a window draft.
pub fn open(
    store: &dyn Store,
    desk: &Desk<'_>,
    input: &WindowApplication,
    now: i64,
) -> Result<Flow> {
    let (app, phone) = checked(desk, input)?;
    let today = Date::in_china(now);
    in_txn(store, &mut |txn| {
        let flow = Flow {
            case_id: CaseId::new().to_string(),
            case_no: super::serial_no(txn, "SQ", FLOW, today)?,
            programme: applications::programme(&app.programme)?,
            kind: CaseKind::Application,
            state: State::Draft,
            entered: today,
            accepted: None,
            township: desk.township.to_string(),
            phone: phone.clone(),
            origin: None,
            records: 0,
            facts: Facts {
                window: Some(WindowIntake {
                    by: desk.who.name.clone(),
                    at: now,
                    discarded: None,
                }),
                ..Facts::default()
            },
            application: Some(app.clone()),
        };
        put_flow(txn, &flow, now)?;
        txn.audit(&crate::audit::AuditEvent::new(
            now,
            desk.who.audit.clone(),
            "window_open",
            Some(flow.case_id.clone()),
            json!({ "case_no": flow.case_no }),
        ))?;
        Ok(flow)
    })
}

/// Change a window draft (or a window case returned for 补正).
pub fn update(
    store: &dyn Store,
    desk: &Desk<'_>,
    case: CaseId,
    input: &WindowApplication,
    now: i64,
) -> Result<Flow> {
    let (app, phone) = checked(desk, input)?;
    applications::update(store, case, desk.party(), &app, now)?;
    in_txn(store, &mut |txn| {
        let mut flow = applications::held_by(txn, case, desk.party())?;
        if flow.phone != phone {
            flow.phone = phone.clone();
            put_flow(txn, &flow, now)?;
        }
        Ok(flow)
    })
}

/// The window case, if the desk holds it (404 otherwise).
pub fn held(store: &dyn Store, desk: &Desk<'_>, case: CaseId) -> Result<Flow> {
    in_txn(store, &mut |txn| {
        applications::held_by(txn, case, desk.party())
    })
}

/// What still stops submission, in Chinese; empty when the case may be submitted.
fn missing(store: &dyn Store, flow: &Flow, today: Date) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    if !flow.facts.signed("promise") {
        missing.push("尚未签署承诺书".to_string());
    }
    missing.extend(
        flow.consent_pending(today)
            .into_iter()
            .map(|n| format!("{n}尚未签署授权核对书")),
    );
    if applications::lacks_mandate(flow, &applications::materials(store, &flow.case_id)?) {
        missing.push("委托申请须上传委托书".to_string());
    }
    Ok(missing)
}

/// Submit (提交) and accept (受理) the window case in one transaction: both moves pass the
/// engine, so a case short of any adult's recorded consent is refused and nothing changes.
pub fn submit(
    store: &dyn Store,
    config: &WorkflowConfig,
    desk: &Desk<'_>,
    case: CaseId,
    now: i64,
) -> Result<Flow> {
    // `submit_in` checks the case is the desk's, and the 委托书 rule the phone shares.
    in_txn(store, &mut |txn| {
        applications::submit_in(txn, config, case, desk.party(), desk.who, now)?;
        act_in(
            txn,
            config,
            case,
            desk.who,
            &ActionInput::new(Action::Accept),
            now,
        )
    })
}

/// Give up a window draft, with the reason: it leaves the window's list and can no longer be
/// changed or submitted.
pub fn discard(
    store: &dyn Store,
    desk: &Desk<'_>,
    case: CaseId,
    reason: &str,
    now: i64,
) -> Result<()> {
    let reason = reason.trim();
    if !(2..=200).contains(&reason.chars().count()) {
        return Err(WorkflowError::Invalid(
            "请写明放弃这份申请的原因（2到200个字）".into(),
        ));
    }
    in_txn(store, &mut |txn| {
        let mut flow = applications::held_by(txn, case, desk.party())?;
        if flow.state != State::Draft {
            return Err(WorkflowError::Invalid(format!(
                "申请已{}，不能放弃",
                flow.state.zh()
            )));
        }
        if let Some(w) = flow.facts.window.as_mut() {
            w.discarded = Some(Discarded {
                by: desk.who.name.clone(),
                at: now,
                reason: reason.to_string(),
            });
        }
        put_flow(txn, &flow, now)?;
        txn.audit(&crate::audit::AuditEvent::new(
            now,
            desk.who.audit.clone(),
            "window_discard",
            Some(flow.case_id.clone()),
            json!({ "reason": reason }),
        ))?;
        Ok(())
    })
}

/// The window drafts of the desk's township, newest first.
pub fn drafts(store: &dyn Store, township: &str) -> Result<Vec<Flow>> {
    let mut drafts: Vec<Flow> = all_flows(store)?
        .into_iter()
        .filter(|f| f.window_draft() && f.township == township)
        .collect();
    drafts.sort_by_key(|f| std::cmp::Reverse(f.facts.window.as_ref().map(|w| w.at)));
    Ok(drafts)
}

/// The 受理回执's facts: when the case was accepted and until when the township must act.
struct Receipt {
    accepted_on: Date,
    due: Option<Date>,
    working_days: Option<u32>,
    limit_zh: String,
    phone: String,
}

fn receipt_of(flow: &Flow, config: &WorkflowConfig) -> Option<Receipt> {
    let accepted = flow.accepted?;
    let (state, overall) = deadlines(flow, config, accepted);
    let due = overall.or(state);
    Some(Receipt {
        accepted_on: accepted,
        working_days: due
            .as_ref()
            .filter(|d| !d.calendar_days)
            .map(|d| config.calendar.working_days_between(accepted, d.due)),
        limit_zh: due.as_ref().map(|d| d.zh.clone()).unwrap_or_default(),
        due: due.map(|d| d.due),
        phone: config.options.window_phone(&flow.township).to_string(),
    })
}

/// The `WindowCase` answer.
pub fn view(store: &dyn Store, config: &WorkflowConfig, flow: &Flow, today: Date) -> Result<Value> {
    let materials: Vec<Value> = applications::materials(store, &flow.case_id)?
        .into_iter()
        .map(|m| json!({"id": m.id, "kind": m.kind, "kind_zh": applications::material_zh(&m.kind), "name": m.name, "uploaded_at": m.uploaded_at, "by": m.uploaded_by, "url": format!("/api/console/window/cases/{}/materials/{}", flow.case_id, m.id)}))
        .collect();
    let signatures: Vec<Value> = flow
        .facts
        .signatures
        .iter()
        .enumerate()
        .map(|(n, s)| json!({"document": s.document, "document_zh": document_zh(&s.document), "signer": s.signer, "mode": s.mode, "mode_zh": s.mode.zh(), "by": s.by, "at": s.at, "url": format!("/api/console/window/cases/{}/signatures/{n}", flow.case_id)}))
        .collect();
    let missing = missing(store, flow, today)?;
    let receipt = receipt_of(flow, config).map(|r| {
        json!({"pdf": format!("/api/console/window/cases/{}/receipt.pdf", flow.case_id), "accepted_on": r.accepted_on, "due": r.due, "working_days": r.working_days, "limit_zh": r.limit_zh, "phone": r.phone})
    });
    let window = flow.facts.window.as_ref();
    Ok(json!({
        "case_id": flow.case_id, "case_no": flow.case_no, "state": flow.state, "state_zh": flow.state.zh(),
        "programme": flow.programme, "programme_zh": flow.programme.zh(), "township": flow.township,
        "phone": flow.phone.clone().unwrap_or_default(), "application": flow.application,
        "agent": flow.application.as_ref().and_then(|a| a.agent.clone()),
        "materials": materials, "signatures": signatures,
        "adults": flow.adults(today), "consent_pending": flow.consent_pending(today),
        "promise_signed": flow.facts.signed("promise"),
        "ready": missing.is_empty() && matches!(flow.state, State::Draft | State::NeedsSupplement), "missing": missing,
        "receipt": receipt,
        "opened_by": window.map(|w| w.by.clone()), "opened_at": window.map(|w| w.at),
    }))
}

fn document_zh(document: &str) -> &'static str {
    match document {
        "promise" => "承诺书",
        _ => "授权核对书",
    }
}

/// The stored image of the case's `n`th signature.
pub fn signature_hash(flow: &Flow, n: usize) -> Result<String> {
    flow.facts
        .signatures
        .get(n)
        .map(|s| s.image_hash.clone())
        .filter(|h| !h.is_empty())
        .ok_or_else(|| WorkflowError::NotFound("没有这个签名".into()))
}

/// The 受理回执 handed to the applicant: case number, date, the limit the township works to
/// and the window's phone.
pub fn receipt_pdf(store: &dyn Store, config: &WorkflowConfig, flow: &Flow) -> Result<Vec<u8>> {
    let r = receipt_of(flow, config)
        .ok_or_else(|| WorkflowError::Invalid("案件尚未受理，没有受理回执".into()))?;
    let doc = in_txn(store, &mut |txn| load_doc(txn, flow.id()?))?;
    let name = flow
        .application
        .as_ref()
        .map(|a| a.applicant.name.clone())
        .or_else(|| doc.as_ref().map(|d| d.header.applicant_name.clone()))
        .unwrap_or_default();
    let agent = flow.application.as_ref().and_then(|a| a.agent.as_ref());
    let limit = match (r.due, r.working_days) {
        (Some(due), Some(days)) => format!(
            "{days}个工作日，{}前（{}）",
            notices::zh_date(&due.to_string()),
            r.limit_zh
        ),
        (Some(due), None) => format!("{}前（{}）", notices::zh_date(&due.to_string()), r.limit_zh),
        _ => "按规定时限办理".to_string(),
    };
    let mut fields = vec![
        ("申请编号", flow.case_no.clone()),
        ("申请人", name.clone()),
        ("救助类别", flow.programme.zh().to_string()),
        ("受理日期", notices::zh_date(&r.accepted_on.to_string())),
        ("办理时限", limit),
        ("窗口电话", r.phone.clone()),
    ];
    if let Some(a) = agent {
        fields.insert(2, ("受委托人", format!("{}（{}）", a.name, a.relation)));
    }
    let mut blocks = vec![Block::Paragraph(Text::zh(format!("{name}：")))];
    blocks.push(Block::Paragraph(Text::zh(format!(
        "您的{}申请材料已收到，本机关已于{}受理。我们将组织入户调查，请您和家庭成员配合调查人员核实家庭人口、收入、财产等情况；办理进度可凭申请编号到窗口或拨打窗口电话查询{}。",
        flow.programme.zh(),
        notices::zh_date(&r.accepted_on.to_string()),
        if flow.phone.is_some() { "，也可以在手机页面“我的申请”中查看" } else { "" }
    ))));
    blocks.extend(fields.into_iter().map(|(label, value)| Block::Field {
        label: Text::zh(label),
        value,
    }));
    blocks.push(Block::Spacer);
    blocks.push(Block::Signature {
        label: Text::zh(format!("{}社会救助窗口（受理人）", flow.township)),
        name: flow
            .facts
            .window
            .as_ref()
            .map(|w| w.by.clone())
            .unwrap_or_default(),
        date: notices::zh_date(&r.accepted_on.to_string()),
    });
    notices::render(&Document {
        title: Text::zh("社会救助申请受理回执"),
        subtitle: None,
        number: Some(flow.case_no.clone()),
        blocks,
        footer: Some(Text::zh("请妥善保管本回执，查询或补充材料时请出示。")),
    })
}

/// An open or paying case where `id_number` is the applicant's or a declared member's.
pub fn duplicates(store: &dyn Store, user: &User, id_number: &str) -> Result<Vec<Value>> {
    let id_number = id_number.trim().to_ascii_uppercase();
    if id_number.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    // Only flows whose stored JSON holds the number can hold the person.
    for item in store.items_containing(FLOW, &id_number)? {
        let flow = super::flows::flow_from_item(item)?;
        let draft = flow.state == State::Draft;
        // A draft is only an intention: the phone's drafts count for nobody, the window's for
        // the window holding them.
        if flow.state.is_final()
            || (draft && (!flow.window_draft() || flow.township != user.township))
        {
            continue;
        }
        let Some((role, name)) = person_in(&flow, &id_number) else {
            continue;
        };
        let linkable = access::sees(user, &flow.township) && !draft;
        found.push(json!({
            "case_id": linkable.then(|| flow.case_id.clone()),
            "case_no": flow.case_no, "state": flow.state, "state_zh": flow.state.zh(),
            "township": flow.township, "role": role,
            "name": access::sees(user, &flow.township).then_some(name),
            "in_payment": flow.state == State::Active, "linkable": linkable,
        }));
    }
    Ok(found)
}

/// Whether the person is the case's applicant or a declared member, and their name: from the
/// application when the case has one, else from the people its flow keeps (cases entered from a
/// file, change reviews of those; older flows got theirs from the document when the store was
/// opened, `migrate`).
fn person_in(flow: &Flow, id_number: &str) -> Option<(&'static str, String)> {
    let same = |n: &str| n.trim().eq_ignore_ascii_case(id_number);
    if let Some(app) = &flow.application {
        if same(&app.applicant.id_number) {
            return Some(("applicant", app.applicant.name.clone()));
        }
        return app
            .members
            .iter()
            .find(|m| same(&m.id_number))
            .map(|m| ("member", m.name.clone()));
    }
    flow.facts
        .declared_people
        .iter()
        .find(|p| same(&p.id_number))
        .map(|p| {
            let role = if p.applicant { "applicant" } else { "member" };
            (role, p.name.clone())
        })
}
