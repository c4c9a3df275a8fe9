//! Who may do what, and where (docs/security.md has the same matrix in prose). Pure: handlers ask
//! these questions; tests check every cell.

use crate::store::User;
use jiuzhu_shared::workflow::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Sign in to the console.
    SignIn,
    /// See the queue, a case, its photos, history, audit trail and proposal.
    View,
    /// Keep facts beside the workflow (初审 checklist, 单独登记备案, extension), register an
    /// objection, hold a 民主评议 meeting, refer a need to another department (协同办理). Moves themselves are the engine's to allow.
    Decide,
    /// Add a photo to a case (the deciding authority's own visit).
    AddMaterial,
    /// List devices, create enrollment codes, revoke devices.
    ManageDevices,
    /// Export the queue.
    Export,
    /// Take an application at the township window (一门受理): the caseworker's, the engine's
    /// role for 提交 on the applicant's behalf and for 受理.
    Intake,
}

pub const ACTIONS: [Action; 7] = [
    Action::SignIn,
    Action::View,
    Action::Decide,
    Action::AddMaterial,
    Action::ManageDevices,
    Action::Export,
    Action::Intake,
];

/// Whether `role` may take `action` at all (scope is checked separately).
pub fn allowed(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match role {
        // Field and public roles never use the console: investigators work on tablets, review
        // representatives and applicants on their phone pages.
        Investigator | Representative | Applicant => false,
        _ if action == Intake => role == Caseworker,
        Caseworker | Lead | Admin => true,
        // The banner bureau supervises: it reads and exports, it does not act for the township;
        // as the deciding authority it records its own visit with photos.
        Bureau => matches!(action, SignIn | View | Export | AddMaterial),
    }
}

/// Whether `role` reaches beyond its own township (the banner bureau and admins).
pub fn banner_wide(role: Role) -> bool {
    matches!(role, Role::Bureau | Role::Admin)
}

/// Whether `user` reaches cases, devices and people of `township`.
pub fn sees(user: &User, township: &str) -> bool {
    banner_wide(user.role) || user.township == township
}

/// Whether ID numbers are masked for `role`: only those who verify identities see them whole.
pub fn masks_id_numbers(role: Role) -> bool {
    role == Role::Bureau
}

/// `1506**********1234`: enough to tell people apart, not enough to use the number.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let (head, tail) = (&chars[..4], &chars[chars.len() - 4..]);
    format!(
        "{}{}{}",
        head.iter().collect::<String>(),
        "*".repeat(chars.len() - 8),
        tail.iter().collect::<String>()
    )
}

/// Mask every run of 15 or more digits standing alone in a text (an 18-digit ID number may end
/// in X): an ID or account number typed into a note, a reason or an objection. A run touching a
/// letter or another digit is part of something else (a hash, an identifier) and stays.
pub fn mask_long_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_alphanumeric()) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while chars.get(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        if i - start == 17 && matches!(chars.get(i), Some('X' | 'x')) {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let alone = chars.get(i).is_none_or(|c| !c.is_ascii_alphanumeric());
        if alone && run.len() >= 15 {
            out.push_str(&mask_id_number(&run));
        } else {
            out.push_str(&run);
        }
    }
    out
}

/// [`mask_long_numbers`] in every string of `v`.
fn mask_texts(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => {
            let masked = mask_long_numbers(s);
            if masked != *s {
                *s = masked;
            }
        }
        serde_json::Value::Object(m) => m.values_mut().for_each(mask_texts),
        serde_json::Value::Array(l) => l.iter_mut().for_each(mask_texts),
        _ => {}
    }
}

/// Mask ID and account numbers anywhere in a console answer: every string under a key that holds
/// one, and any long number standing in a text. For the answers without a fixed shape (the
/// workflow view, the audit trail, the proposal).
pub fn mask_id_numbers_in(v: &mut serde_json::Value) {
    mask_sensitive(v);
    mask_texts(v);
}

/// Whether a material kind is a photo of a document that shows ID numbers whole (an ID card, the
/// household register): not shown at all to those who see ID numbers masked.
pub fn material_shows_id_numbers(kind: &str) -> bool {
    matches!(kind, "id_card" | "hukou")
}

/// Whether a visit photo's tag says it shows a document (证件), and so ID numbers whole.
pub fn photo_shows_id_numbers(tag: &str) -> bool {
    tag == "document"
}

/// Numbers of the visit's household facts masked like ID numbers.
const SENSITIVE_HOUSEHOLD_KEYS: [&str; 2] = ["agent_id_number", "bank_account_no"];

/// Mask every ID number in a case detail (header, declared members, verified members, the agent,
/// legal supporters) and the payment account number.
pub fn mask_case_json(v: &mut serde_json::Value) {
    fn mask(v: &mut serde_json::Value) {
        if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
            *v = serde_json::Value::from(mask_id_number(s));
        }
    }
    let doc = &mut v["document"];
    mask(&mut doc["header"]["applicant_id_number"]);
    if let Some(members) = doc["declared"]["members"].as_array_mut() {
        members.iter_mut().for_each(|m| mask(&mut m["id_number"]));
    }
    if let Some(visits) = doc["visits"].as_array_mut() {
        for m in visits
            .iter_mut()
            .filter_map(|v| v["members"].as_array_mut())
            .flatten()
        {
            mask(&mut m["id_number"]["declared"]);
            mask(&mut m["id_number"]["verified"]);
        }
        for visit in visits.iter_mut() {
            // The agent's ID number and the payment account (issue 12), supporters' ID numbers.
            for key in SENSITIVE_HOUSEHOLD_KEYS {
                mask(&mut visit["household"][key]);
            }
            if let Some(supporters) = visit["supporters"].as_array_mut() {
                supporters
                    .iter_mut()
                    .for_each(|s| mask(&mut s["id_number"]));
            }
        }
    }
    // Conflicting values may be ID numbers or account numbers too.
    if let Some(conflicts) = v["conflicts"].as_array_mut() {
        for c in conflicts.iter_mut().filter(|c| {
            c["path"].as_str().is_some_and(|p| {
                p.contains("id_number") || SENSITIVE_HOUSEHOLD_KEYS.iter().any(|k| p.contains(k))
            })
        }) {
            if let Some(values) = c["values"].as_array_mut() {
                values.iter_mut().for_each(|x| mask(&mut x["value"]));
            }
        }
    }
    // Numbers typed into notes, findings and other free text.
    mask_texts(v);
}

/// Whether a key of the case document holds a number masked like an ID number.
fn sensitive_key(key: &str) -> bool {
    key.ends_with("id_number") || SENSITIVE_HOUSEHOLD_KEYS.contains(&key)
}

/// Mask every string under a sensitive key, at any depth (a checked field's declared and
/// verified values, a row added whole).
fn mask_sensitive(v: &mut serde_json::Value) {
    fn all_strings(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) if !s.is_empty() => *s = mask_id_number(s),
            serde_json::Value::Object(m) => m.values_mut().for_each(all_strings),
            serde_json::Value::Array(l) => l.iter_mut().for_each(all_strings),
            _ => {}
        }
    }
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if sensitive_key(k) {
                    all_strings(x);
                } else {
                    mask_sensitive(x);
                }
            }
        }
        serde_json::Value::Array(l) => l.iter_mut().for_each(mask_sensitive),
        _ => {}
    }
}

/// Mask the ID and account numbers in a case's history: a field change at a sensitive path, and
/// sensitive keys inside rows added or removed whole.
pub fn mask_history_json(v: &mut serde_json::Value) {
    let Some(changes) = v["changes"].as_array_mut() else {
        return;
    };
    for f in changes
        .iter_mut()
        .filter_map(|c| c["fields"].as_array_mut())
        .flatten()
    {
        let at_sensitive = f["path"]
            .as_str()
            .is_some_and(|p| p.split('.').any(sensitive_key));
        for side in ["old", "new"] {
            if at_sensitive {
                let mut wrapped = serde_json::json!({ "id_number": f[side].take() });
                mask_sensitive(&mut wrapped);
                f[side] = wrapped["id_number"].take();
            } else {
                mask_sensitive(&mut f[side]);
            }
        }
    }
    mask_texts(v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_four_and_four() {
        assert_eq!(mask_id_number("150621198001011234"), "1506**********1234");
        assert_eq!(mask_id_number("15062119800101123X"), "1506**********123X");
        assert_eq!(mask_id_number("12345"), "*****");
    }

    #[test]
    fn case_json_masking_reaches_every_id_number() {
        let mut v = serde_json::json!({
            "document": {
                "header": {"applicant_id_number": "150621198001011234"},
                "declared": {"members": [{"id_number": "150621198001011234"}]},
                "visits": [{"members": [{"id_number": {"declared": "150621198001011234", "verified": "150621198001011235"}}],
                            "household": {"agent_id_number": "150621198001011237", "bank_account_no": "6228480019800101999"},
                            "supporters": [{"id_number": "150621198001011238"}]}]
            },
            "conflicts": [{"path": "visits.0.members.0.id_number.verified", "values": [{"value": "150621198001011236"}]},
                          {"path": "visits.0.household.bank_account_no", "values": [{"value": "6228480019800101998"}]}]
        });
        mask_case_json(&mut v);
        let text = v.to_string();
        assert!(!text.contains("19800101"), "{text}");
        assert_eq!(
            v["document"]["visits"][0]["members"][0]["id_number"]["verified"],
            "1506**********1235"
        );
    }

    #[test]
    fn long_numbers_in_text_are_masked_and_hashes_are_not() {
        assert_eq!(
            mask_long_numbers("身份证号15062119800101123X，卡号6228480019800101999。"),
            "身份证号1506**********123X，卡号6228***********1999。"
        );
        assert_eq!(mask_long_numbers("电话13800138000"), "电话13800138000");
        let hash = "ab150621198001011234567890cd";
        assert_eq!(mask_long_numbers(hash), hash);
        let mut v = serde_json::json!({"events": [{"detail": {"reason": "户主 150621198001011234 已迁出",
            "value": {"agent_id_number": "ABC"}}}]});
        mask_id_numbers_in(&mut v);
        let text = v.to_string();
        assert!(
            !text.contains("19800101") && !text.contains("ABC"),
            "{text}"
        );
    }

    #[test]
    fn history_masking_reaches_changed_fields_and_added_rows() {
        let mut v = serde_json::json!({"changes": [{"fields": [
            {"path": "visits.0.members.0.id_number.verified", "old": null, "new": "150621198001011235"},
            {"path": "visits.0.supporters.0", "old": null, "new": {"name": "王强", "id_number": "150621198001011238"}},
            {"path": "visits.0.household.bank_account_no", "old": "6228480019800101999", "new": null},
            {"path": "visits.0.living.housing", "old": null, "new": "土坯房"}
        ]}]});
        mask_history_json(&mut v);
        let text = v.to_string();
        assert!(!text.contains("19800101"), "{text}");
        assert!(text.contains("王强") && text.contains("土坯房"), "{text}");
    }
}
