//! 协同办理: a need another programme or department handles (医疗救助, 教育救助, 住房救助, 就业救助,
//! 临时救助, 残联, 慈善) referred from a case, with its note, a printable 转办单 and its state —
//! sent, answered, closed —, each step a record with who and when, audited.

use super::flow::REFERRAL;
use super::flows::{in_txn, load_flow};
use super::{Result, Who, WorkflowError, notices};
use crate::audit::AuditEvent;
use crate::review::access;
use crate::store::{DocTxn, Item, Store, User};
use jiuzhu_pdf::{Block, Document, Text};
use jiuzhu_shared::CaseId;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::vocab;
use jiuzhu_shared::workflow::State;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Longest note of a referral or of one of its steps.
const MAX_NOTE: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralState {
    Sent,
    Answered,
    Closed,
}

impl ReferralState {
    pub fn zh(self) -> &'static str {
        match self {
            ReferralState::Sent => "已转办",
            ReferralState::Answered => "已回复",
            ReferralState::Closed => "已办结",
        }
    }

    /// The department answers a sent referral; either may be closed (a need met some other way).
    fn may_become(self, next: ReferralState) -> bool {
        use ReferralState::*;
        matches!((self, next), (Sent, Answered) | (Sent | Answered, Closed))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub state: ReferralState,
    pub note: String,
    pub by: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Referral {
    pub id: String,
    pub case_id: String,
    pub case_no: String,
    pub township: String,
    /// Vocabulary `referral_target`.
    pub target: String,
    pub note: String,
    pub state: ReferralState,
    /// The 转办单's number.
    pub slip_no: String,
    pub steps: Vec<Step>,
}

impl Referral {
    pub fn json(&self) -> Value {
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|s| json!({"state": s.state, "state_zh": s.state.zh(), "note": s.note, "by": s.by, "at": s.at}))
            .collect();
        json!({
            "id": self.id, "case_id": self.case_id, "case_no": self.case_no,
            "target": self.target, "target_zh": vocab::label("referral_target", &self.target),
            "note": self.note, "state": self.state, "state_zh": self.state.zh(),
            "slip_no": self.slip_no, "steps": steps,
            "slip": format!("/api/console/referrals/{}/slip.pdf", self.id),
        })
    }
}

fn note_of(note: &str, required: bool) -> Result<String> {
    let note = note.trim();
    if required && note.chars().count() < 2 {
        return Err(WorkflowError::Invalid(
            "请写明需要对方部门办理的事项".into(),
        ));
    }
    if note.chars().count() > MAX_NOTE {
        return Err(WorkflowError::Invalid(format!(
            "说明请不超过{MAX_NOTE}个字"
        )));
    }
    Ok(note.to_string())
}

fn put(txn: &mut dyn DocTxn, r: &Referral, now: i64) -> Result<()> {
    txn.put_item(&Item {
        kind: REFERRAL.into(),
        id: r.id.clone(),
        case_id: Some(r.case_id.clone()),
        body: serde_json::to_value(r).expect("a referral serialises"),
        at: now,
    })?;
    Ok(())
}

fn audit(txn: &mut dyn DocTxn, who: &Who, r: &Referral, now: i64) -> Result<()> {
    txn.audit(&AuditEvent::new(
        now,
        who.audit.clone(),
        "referral",
        Some(r.case_id.clone()),
        json!({ "referral": r.id, "target": r.target, "state": r.state }),
    ))?;
    Ok(())
}

/// Refer a need of the case to another programme or department.
pub fn create(
    store: &dyn Store,
    who: &Who,
    case: CaseId,
    target: &str,
    note: &str,
    now: i64,
) -> Result<Referral> {
    if vocab::term("referral_target", target).is_none() {
        return Err(WorkflowError::Invalid("请选择转办的部门或救助类别".into()));
    }
    let note = note_of(note, true)?;
    in_txn(store, &mut |txn| {
        let flow = load_flow(txn, case)?;
        if flow.state == State::Draft {
            return Err(WorkflowError::Invalid("申请提交后才能转办".into()));
        }
        let r = Referral {
            id: super::ordered_id(),
            case_id: flow.case_id.clone(),
            case_no: flow.case_no.clone(),
            township: flow.township.clone(),
            target: target.to_string(),
            note: note.clone(),
            state: ReferralState::Sent,
            slip_no: super::serial_no(txn, "ZB", REFERRAL, Date::in_china(now))?,
            steps: vec![Step {
                state: ReferralState::Sent,
                note: note.clone(),
                by: who.name.clone(),
                at: now,
            }],
        };
        put(txn, &r, now)?;
        audit(txn, who, &r, now)?;
        Ok(r)
    })
}

/// The referral `id` if `user` sees its township (404 otherwise, without telling which).
pub fn get(store: &dyn Store, user: &User, id: &str) -> Result<Referral> {
    store
        .item(REFERRAL, id)?
        .and_then(|i| serde_json::from_value::<Referral>(i.body).ok())
        .filter(|r| access::sees(user, &r.township))
        .ok_or_else(|| WorkflowError::NotFound("没有这份转办单".into()))
}

/// Record the department's answer, or close the referral.
pub fn advance(
    store: &dyn Store,
    who: &Who,
    user: &User,
    id: &str,
    next: ReferralState,
    note: &str,
    now: i64,
) -> Result<Referral> {
    let note = note_of(note, next == ReferralState::Answered)?;
    get(store, user, id)?;
    in_txn(store, &mut |txn| {
        let mut r: Referral = txn
            .item(REFERRAL, id)?
            .and_then(|i| serde_json::from_value(i.body).ok())
            .ok_or_else(|| WorkflowError::NotFound("没有这份转办单".into()))?;
        if !r.state.may_become(next) {
            return Err(WorkflowError::Invalid(format!(
                "转办单{}，不能再标记为{}",
                r.state.zh(),
                next.zh()
            )));
        }
        r.state = next;
        r.steps.push(Step {
            state: next,
            note: note.clone(),
            by: who.name.clone(),
            at: now,
        });
        put(txn, &r, now)?;
        audit(txn, who, &r, now)?;
        Ok(r)
    })
}

pub fn of_case(store: &dyn Store, case: CaseId) -> Result<Vec<Referral>> {
    Ok(store
        .items(REFERRAL, Some(&case.to_string()))?
        .into_iter()
        .filter_map(|i| serde_json::from_value(i.body).ok())
        .collect())
}

/// Referrals by target and state in `user`'s scope (the figures of the oversight dashboards).
pub fn summary(store: &dyn Store, user: &User) -> Result<Value> {
    let mut by: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    let mut total = 0;
    for r in store
        .items(REFERRAL, None)?
        .into_iter()
        .filter_map(|i| serde_json::from_value::<Referral>(i.body).ok())
        .filter(|r| access::sees(user, &r.township))
    {
        by.entry(r.target.clone()).or_default()[r.state as usize] += 1;
        total += 1;
    }
    let rows: Vec<Value> = by
        .into_iter()
        .map(|(t, [sent, answered, closed])| json!({"target": t, "target_zh": vocab::label("referral_target", &t), "sent": sent, "answered": answered, "closed": closed}))
        .collect();
    Ok(json!({ "by_target": rows, "total": total }))
}

/// The 转办单: the case, the need and the note, for the receiving department to answer.
pub fn slip_pdf(
    store: &dyn Store,
    options: &jiuzhu_shared::workflow::Options,
    r: &Referral,
) -> Result<Vec<u8>> {
    let flow = super::flows::flow(store, super::parse_case(&r.case_id)?)?;
    let applicant = flow
        .application
        .as_ref()
        .map(|a| a.applicant.name.clone())
        .or_else(|| {
            crate::cases::load_case(store, flow.id().ok()?)
                .ok()?
                .read()
                .ok()
                .map(|d| d.header.applicant_name)
        })
        .unwrap_or_default();
    let sent = r.steps.first();
    let day = |at: i64| notices::zh_date(&Date::in_china(at).to_string());
    let target = vocab::label("referral_target", &r.target);
    let mut blocks = vec![
        Block::Paragraph(Text::zh(format!("{target}经办部门："))),
        Block::Paragraph(Text::zh(format!(
            "本机关在办理社会救助申请（编号{}）时，了解到该家庭有下列需要由贵单位办理的事项，现予转办，请依职责办理并将结果回复本机关。",
            r.case_no
        ))),
        Block::Field {
            label: Text::zh("转办事项"),
            value: target.to_string(),
        },
        Block::Field {
            label: Text::zh("申请人"),
            value: applicant,
        },
        Block::Field {
            label: Text::zh("所在地"),
            value: flow
                .application
                .as_ref()
                .map(|a| format!("{}{}", flow.township, a.village))
                .unwrap_or_else(|| flow.township.clone()),
        },
        Block::Field {
            label: Text::zh("情况说明"),
            value: r.note.clone(),
        },
        Block::Field {
            label: Text::zh("联系电话"),
            value: options.window_phone(&flow.township).to_string(),
        },
    ];
    blocks.extend(r.steps.iter().skip(1).map(|s| Block::Field {
        label: Text::zh(format!("{}（{}）", s.state.zh(), day(s.at))),
        value: s.note.clone(),
    }));
    blocks.push(Block::Spacer);
    blocks.push(Block::Signature {
        label: Text::zh(format!("{}社会救助窗口", flow.township)),
        name: sent.map(|s| s.by.clone()).unwrap_or_default(),
        date: sent.map(|s| day(s.at)).unwrap_or_default(),
    });
    notices::render(&Document {
        title: Text::zh("社会救助事项转办单"),
        subtitle: None,
        number: Some(r.slip_no.clone()),
        blocks,
        footer: Some(Text::zh("一门受理、协同办理：请在办结后回复转办单位。")),
    })
}
