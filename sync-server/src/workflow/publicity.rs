//! 公示 and 公布: the public entries (domain §6.2: name, household size, programme, amount,
//! village, period — nothing else), and objection intake by phone, in person or online, which
//! moves the case to 异议处理 and sends a 重新核查 task to the team's tablets.

use super::config::WorkflowConfig;
use super::flow::{Flow, OBJECTION};
use super::flows::{flows_in, in_txn};
use super::service::{ActionInput, act_in};
use super::{Result, Who, WorkflowError};
use crate::store::{Item, Store};
use crate::sync_engine::write_server_change;
use crate::throttle::{Limit, address_key};
use jiuzhu_shared::CaseId;
use jiuzhu_shared::policy::Grant;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::schema::ReviewNote;
use jiuzhu_shared::workflow::publicity::{PublicEntry, mask_name, yuan};
use jiuzhu_shared::workflow::{Action, CaseKind, Refusal, State};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objection {
    pub id: String,
    pub receipt: String,
    /// phone | in_person | online
    pub channel: String,
    pub content: String,
    pub contact: String,
    pub received_at: i64,
    pub by: String,
}

pub fn channel_zh(channel: &str) -> &'static str {
    match channel {
        "phone" => "电话",
        "in_person" => "现场",
        "online" => "网上",
        _ => "其他",
    }
}

fn entry(
    store: &dyn Store,
    f: &Flow,
    amount_fen: i64,
    from: String,
    to: String,
    entry_id: String,
) -> PublicEntry {
    let view = f
        .case_id
        .parse()
        .ok()
        .and_then(|id| store.case_view(id).ok().flatten());
    let full_name = view
        .as_ref()
        .map(|v| v.applicant.clone())
        .unwrap_or_default();
    PublicEntry {
        entry_id,
        name: mask_name(&full_name),
        full_name,
        household_size: super::reviews::household_size(store, f),
        programme_zh: f.programme.zh().to_string(),
        amount_yuan: yuan(amount_fen),
        village: f
            .application
            .as_ref()
            .map(|a| a.village.clone())
            .or_else(|| view.map(|v| v.village))
            .unwrap_or_default(),
        from,
        to,
    }
}

/// Cases of the township in 公示 today (the online copy is withdrawn when the period ends).
pub fn publicity(
    store: &dyn Store,
    township: &str,
    today: Date,
) -> Result<Vec<(Flow, PublicEntry)>> {
    Ok(flows_in(store, Some(township), &[State::Publicity])?
        .into_iter()
        .filter_map(|f| {
            let p = f.facts.publicity.clone()?;
            // `to` is the last day: the copy stays up to the end of it (publicity_last_day).
            (today <= p.to).then_some(())?;
            let amount = f.facts.opinion.as_ref().map(|o| o.amount_fen).unwrap_or(0);
            let e = entry(
                store,
                &f,
                amount,
                p.from.to_string(),
                p.to.to_string(),
                p.entry_id,
            );
            Some((f, e))
        })
        .collect())
}

/// The approved roll: published and active applications of the township.
pub fn roll(store: &dyn Store, township: &str) -> Result<Vec<PublicEntry>> {
    Ok(
        flows_in(store, Some(township), &[State::Published, State::Active])?
            .into_iter()
            .filter(|f| f.kind == CaseKind::Application)
            .filter_map(|f| {
                let d = f.facts.decision.clone()?;
                let id = f.case_id.chars().rev().take(12).collect::<String>();
                Some(entry(
                    store,
                    &f,
                    d.amount_fen,
                    d.start_month.clone(),
                    String::new(),
                    id,
                ))
            })
            .collect(),
    )
}

pub fn of_case(store: &dyn Store, case: &str) -> Result<Vec<Objection>> {
    Ok(store
        .items(OBJECTION, Some(case))?
        .into_iter()
        .filter_map(|i| serde_json::from_value(i.body).ok())
        .collect())
}

/// Register an objection to a case in 公示: record it, move the case to 异议处理, and put a
/// 重新核查 note in the document so the team's tablets receive the task at their next sync.
/// An objection as received.
pub struct Received<'a> {
    /// phone | in_person | online
    pub channel: &'a str,
    pub content: &'a str,
    pub contact: &'a str,
}

/// Longest objection text and contact (a page of writing; a name and a phone number).
const MAX_OBJECTION_TEXT: usize = 2000;
const MAX_CONTACT: usize = 50;

pub fn register_objection(
    store: &dyn Store,
    config: &WorkflowConfig,
    case: CaseId,
    who: &Who,
    received: Received<'_>,
    now: i64,
) -> Result<Objection> {
    let Received {
        channel,
        content,
        contact,
    } = received;
    if !matches!(channel, "phone" | "in_person" | "online") {
        return Err(WorkflowError::Invalid(
            "请选择异议来源：电话、现场或网上".into(),
        ));
    }
    let content = content.trim();
    if content.chars().count() < 5 {
        return Err(WorkflowError::Invalid(
            "请写明异议的具体内容（至少5个字）".into(),
        ));
    }
    if content.chars().count() > MAX_OBJECTION_TEXT || contact.chars().count() > MAX_CONTACT {
        return Err(WorkflowError::Invalid(format!(
            "异议内容请不超过{MAX_OBJECTION_TEXT}个字，联系方式不超过{MAX_CONTACT}个字"
        )));
    }
    in_txn(store, &mut |txn| {
        let flow = act_in(
            txn,
            config,
            case,
            who,
            &ActionInput::with_reason(Action::RaiseObjection, content),
            now,
        )?;
        let o = Objection {
            id: super::ordered_id(),
            receipt: super::serial_no(txn, "YY", OBJECTION, Date::in_china(now))?,
            channel: channel.to_string(),
            content: content.to_string(),
            contact: contact.trim().chars().take(60).collect(),
            received_at: now,
            by: who.name.clone(),
        };
        txn.put_item(&Item {
            kind: OBJECTION.into(),
            id: o.id.clone(),
            case_id: Some(flow.case_id.clone()),
            body: serde_json::to_value(&o).expect("an objection serialises"),
            at: now,
        })?;
        let text = format!(
            "公示期间收到异议（{}）：{content} 请重新入户核实相关情况，并在此答复。",
            channel_zh(channel)
        );
        write_server_change(txn, case, (who.actor, &Grant::server()), now, &mut |doc| {
            doc.update("objection: re-investigation task", now, |c| {
                c.review_notes.push(ReviewNote {
                    id: jiuzhu_shared::ids::new_row_id(),
                    path: None,
                    text: text.clone(),
                    by: who.name.clone(),
                    at: Some(now * 1000),
                    ..Default::default()
                });
                Ok(())
            })
        })?;
        txn.audit(&crate::audit::AuditEvent::new(
            now,
            who.audit.clone(),
            "register_objection",
            Some(flow.case_id.clone()),
            json!({ "channel": channel, "receipt": o.receipt }),
        ))?;
        Ok(o.clone())
    })
}

/// Online objections come from a public form without sign-in: a script must not be able to
/// object to every entry and stall every case. A few a day per network address and per phone,
/// and one per phone per entry (an entry lives one 公示 period; a year outlasts any).
const ONLINE_PER_ADDRESS: Limit = Limit {
    kind: "objection_address",
    max: 3,
    window_s: 24 * 3600,
};
const ONLINE_PER_PHONE: Limit = Limit {
    kind: "objection_phone",
    max: 3,
    window_s: 24 * 3600,
};
const ONLINE_PER_ENTRY: Limit = Limit {
    kind: "objection_entry_phone",
    max: 1,
    window_s: 366 * 24 * 3600,
};

/// The mobile number in a contact ("王先生 138-0000-0000"), if there is one.
pub fn contact_phone(contact: &str) -> Option<String> {
    let compact: String = contact
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    compact
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 11 && run.starts_with('1'))
        .map(str::to_string)
}

/// An objection from the public online form to the entry `entry_id`, from `addr`, within the
/// limits above: each is counted before the objection is registered (so concurrent requests
/// cannot pass together) and given back when it is not.
pub fn object_online(
    store: &dyn Store,
    config: &WorkflowConfig,
    entry_id: &str,
    who: &Who,
    received: Received<'_>,
    addr: Option<IpAddr>,
    now: i64,
) -> Result<Objection> {
    let mut gates = vec![(&ONLINE_PER_ADDRESS, address_key(addr))];
    if let Some(phone) = contact_phone(received.contact) {
        gates.push((&ONLINE_PER_ENTRY, format!("{entry_id}\n{phone}")));
        gates.push((&ONLINE_PER_PHONE, phone));
    }
    in_txn(store, &mut |txn| {
        for (limit, key) in &gates {
            if let Some(t) = limit.full(txn, key, now)? {
                return Err(if limit.kind == ONLINE_PER_ENTRY.kind {
                    WorkflowError::Refused(Refusal {
                        code: "duplicate_objection",
                        zh: "这个手机号已对这条公示提出过异议，工作人员会核实处理".into(),
                    })
                } else {
                    WorkflowError::Throttled(t)
                });
            }
        }
        for (limit, key) in &gates {
            limit.count(txn, key, now)?;
        }
        Ok(())
    })?;
    let registered = case_of_entry(store, entry_id)
        .and_then(|case| register_objection(store, config, case, who, received, now));
    if registered.is_err() {
        in_txn(store, &mut |txn| {
            for (limit, key) in &gates {
                limit.uncount(txn, key, now)?;
            }
            Ok(())
        })?;
    }
    registered
}

/// The case behind a public entry id (in 公示 now).
pub fn case_of_entry(store: &dyn Store, entry_id: &str) -> Result<CaseId> {
    flows_in(store, None, &[State::Publicity])?
        .into_iter()
        .find(|f| {
            f.facts
                .publicity
                .as_ref()
                .is_some_and(|p| p.entry_id == entry_id)
        })
        .and_then(|f| f.case_id.parse().ok())
        .ok_or_else(|| WorkflowError::NotFound("该公示已结束或不存在".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;
    use crate::workflow::config::WorkflowConfig;
    use crate::workflow::flow::FLOW;
    use crate::workflow::intake;

    /// ᠪᠠᠲᠤ ᠰᠠᠷᠠᠨ᠎ᠠ with its vowel separator, as a Mongolian keyboard types it.
    const MN_NAME: &str = "ᠪᠠᠲᠤ ᠰᠠᠷᠠᠨ\u{180E}ᠠ";

    #[test]
    fn a_mongolian_name_is_kept_as_typed_and_masked_online_but_printed_in_full() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.sqlite")).unwrap();
        let now = crate::clock::now();
        let today = Date::in_china(now);
        let case_json = serde_json::json!({"header": {"case_no": "MN-1", "case_type": "rural_dibao",
            "applicant_name": MN_NAME, "township": "树林召镇", "village": "王爱召嘎查"}});
        let case = intake::add_case(
            &store,
            &WorkflowConfig::default(),
            &case_json.to_string(),
            now,
        )
        .unwrap();
        // Into 公示 as start_publicity leaves a case.
        let mut item = store.item(FLOW, &case.to_string()).unwrap().unwrap();
        item.body["state"] = json!("publicity");
        item.body["facts"]["publicity"] = json!({"from": today.to_string(),
            "to": jiuzhu_shared::workflow::calendar::add_days(today, 7).to_string(), "entry_id": "E1"});
        store.transact(&mut |txn| txn.put_item(&item)).unwrap();

        let entries = publicity(&store, "树林召镇", today).unwrap();
        assert_eq!(entries.len(), 1);
        let e = &entries[0].1;
        assert_eq!(e.full_name, MN_NAME, "stored exactly as typed");
        assert_eq!(e.name, "ᠪ**ᠠ", "the online copy's mask");
        let public = serde_json::to_string(e).unwrap();
        assert!(
            !public.contains("ᠰᠠᠷᠠᠨ") && !public.contains(MN_NAME),
            "{public}"
        );
        // The printed notice has the full name, and its Mongolian title and opening.
        let pdf = super::super::notices::publicity_pdf(
            "树林召镇",
            std::slice::from_ref(e),
            "0477-5123456",
            today,
        )
        .unwrap();
        assert!(String::from_utf8_lossy(&pdf).contains("NotoSansMongolian"));
    }
}
