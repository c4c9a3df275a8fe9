//! What an investigator does to a visit beyond setting single fields: open it (with the declared
//! members laid out for verification), add or remove members with a reason, remove rows, sign,
//! check completeness, seal, correct a sealed visit after a review note, answer review notes.
//!
//! The rules are plain functions over [`CaseDoc`] so they are tested without a store; the
//! `impl Tablet` block at the end commits each of them as one document change.

use crate::{Result, Tablet, TabletError, now_s};
use jiuzhu_shared::CaseId;
use jiuzhu_shared::ids::new_row_id;
use jiuzhu_shared::schema::{
    CaseDoc, Checked, CooperationRefusal, NoteResponse, Signature, VerifiedMember, Visit,
};
use serde::Serialize;
use serde_json::Value as Json;

/// Investigators a visit needs (domain §3.1: every team has at least two people).
pub const MIN_INVESTIGATORS: usize = 2;

/// The header flag the server writes on a 探访 case (主动发现, issue 15; the label of
/// `CaseKind::Visit`): such a visit records the household's needs by area instead of the means
/// test of an investigation.
pub const OUTREACH_FLAG: &str = "探访";

/// A 探访 rather than an investigation.
pub fn is_outreach(case: &CaseDoc) -> bool {
    case.header.flags.iter().any(|f| f == OUTREACH_FLAG)
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum VisitError {
    #[error("this case has no visit open for editing")]
    NoOpenVisit,
    #[error("{0}: the visit is sealed; start a correction to change it")]
    Sealed(String),
    #[error("{0}: this field is written by the township or by the app itself, not by hand")]
    NotEditable(String),
    #[error("{0}: a reason is required")]
    ReasonRequired(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{value:?} is not a {group} of the vocabulary; use one of: {choices}")]
    NotInVocabulary {
        group: &'static str,
        value: String,
        choices: String,
    },
    #[error("the visit is not complete: {}", .0.iter().map(|p| p.code.as_str()).collect::<Vec<_>>().join(", "))]
    Incomplete(Vec<Problem>),
}

/// One reason a visit cannot be sealed yet. `code` is stable (the UI translates it); `path` points
/// at the field to fix; `name` says whom it concerns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub code: String,
    pub path: String,
    pub name: Option<String>,
}

fn problem(code: &str, path: String, name: Option<&str>) -> Problem {
    Problem {
        code: code.into(),
        path,
        name: name.map(str::to_string),
    }
}

/// Index of the visit being edited: the last one not sealed.
pub fn open_index(case: &CaseDoc) -> Option<usize> {
    case.open_visit_index()
}

fn open_visit_mut(case: &mut CaseDoc) -> Result<&mut Visit, VisitError> {
    let i = open_index(case).ok_or(VisitError::NoOpenVisit)?;
    Ok(&mut case.visits[i])
}

/// Make sure a visit is open and that each declared member has a row to verify (see
/// [`CaseDoc::ensure_open_visit`]: the server lays them out at assignment, so two tablets do not
/// both insert them offline). `me` joins the investigators. Returns the index.
pub fn ensure_open(case: &mut CaseDoc, me: &str, now_ms: i64) -> usize {
    case.ensure_open_visit(me, now_ms)
}

/// Fields a person may set through a path: only the open visit, and not the parts the app
/// computes (signatures, seal) — those go through [`add_signature`] and [`finalize`].
pub fn check_editable(case: &CaseDoc, path: &str) -> Result<(), VisitError> {
    let seg: Vec<&str> = path.split('.').collect();
    let not = || VisitError::NotEditable(path.to_string());
    if seg.first() != Some(&"visits") || seg.len() < 3 {
        return Err(not());
    }
    let i: usize = seg[1].parse().map_err(|_| not())?;
    let v = case.visits.get(i).ok_or_else(not)?;
    if v.finalized {
        return Err(VisitError::Sealed(path.to_string()));
    }
    if matches!(
        seg[2],
        "id" | "signatures"
            | "finalized"
            | "finalized_at"
            | "content_hash"
            | "supersedes"
            | "photos"
    ) && !(seg[2] == "photos" && seg.len() == 5 && matches!(seg[4], "caption" | "tag"))
    {
        return Err(not());
    }
    Ok(())
}

/// Set a JSON value at a dotted path (an index equal to a list's length adds a row), checked
/// against the schema by a typed parse.
pub fn set_json(case: &mut CaseDoc, path: &str, value: Json) -> Result<(), TabletError> {
    check_editable(case, path)?;
    let mut json = serde_json::to_value(&*case).expect("case serialises");
    jiuzhu_shared::path::set(&mut json, path, value).map_err(jiuzhu_shared::DocError::from)?;
    let mut parsed: CaseDoc =
        serde_json::from_value(json).map_err(|e| jiuzhu_shared::DocError::Invalid {
            path: path.to_string(),
            message: e.to_string(),
        })?;
    parsed.fill_missing_ids();
    *case = parsed;
    Ok(())
}

pub fn add_member(case: &mut CaseDoc, name: &str, reason: &str) -> Result<usize, VisitError> {
    if reason.trim().is_empty() {
        return Err(VisitError::ReasonRequired("change_reason".into()));
    }
    let v = open_visit_mut(case)?;
    v.members.push(VerifiedMember {
        id: new_row_id(),
        status: "added".into(),
        change_reason: Some(reason.trim().to_string()),
        name: Checked {
            verified: Some(name.trim().to_string()),
            ..Default::default()
        },
        counted: Some(true),
        ..Default::default()
    });
    Ok(v.members.len() - 1)
}

/// A declared member found not to belong to the household stays on the record as `removed` with
/// the reason (the caseworker must see who was taken out and why); a member added by mistake on
/// this visit is simply deleted.
pub fn remove_member(case: &mut CaseDoc, index: usize, reason: &str) -> Result<(), VisitError> {
    let v = open_visit_mut(case)?;
    let m = v
        .members
        .get_mut(index)
        .ok_or_else(|| VisitError::NotFound(format!("member {index}")))?;
    if m.declared_id.is_none() {
        v.members.remove(index);
        return Ok(());
    }
    if reason.trim().is_empty() {
        return Err(VisitError::ReasonRequired("change_reason".into()));
    }
    m.status = "removed".into();
    m.change_reason = Some(reason.trim().to_string());
    m.counted = Some(false);
    m.present = Some(false);
    Ok(())
}

/// Remove a row of a list section of the open visit.
pub fn remove_row(case: &mut CaseDoc, section: &str, index: usize) -> Result<(), VisitError> {
    let v = open_visit_mut(case)?;
    let nf = || VisitError::NotFound(format!("{section}.{index}"));
    macro_rules! rm {
        ($list:expr) => {{
            if index >= $list.len() {
                return Err(nf());
            }
            $list.remove(index);
        }};
    }
    match section {
        "income" => rm!(v.income),
        "property" => rm!(v.property),
        "expenditures" => rm!(v.expenditures),
        "interviews" => rm!(v.interviews),
        "supporters" => rm!(v.supporters),
        "observations" => rm!(v.observations),
        "photos" => rm!(v.photos),
        _ => return Err(VisitError::NotEditable(section.into())),
    }
    Ok(())
}

/// Record that a family member refused, without good reason, to cooperate (S1 Art. 29). The
/// visit is then signed by the investigators alone; once it is sealed the township may end the
/// application (终止). An empty `member` clears the record.
pub fn record_refusal(
    case: &mut CaseDoc,
    member: &str,
    what: &str,
    now_ms: i64,
) -> Result<(), VisitError> {
    let v = open_visit_mut(case)?;
    if member.trim().is_empty() {
        v.refusal = None;
        return Ok(());
    }
    if what.trim().is_empty() {
        return Err(VisitError::ReasonRequired("refusal.what".into()));
    }
    v.refusal = Some(CooperationRefusal {
        member: member.trim().to_string(),
        what: what.trim().to_string(),
        at: Some(now_ms),
    });
    Ok(())
}

/// Who signs a visit: every investigator, and every member marked present (domain §3.1) — only
/// the investigators when a member refused to cooperate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signer {
    /// investigator | member
    pub role: String,
    pub name: String,
    pub member_id: Option<String>,
    /// Signed against the visit as it is now (a later edit makes the signature stale).
    pub signed: bool,
    pub stale: bool,
    pub thumbprint: bool,
    pub image_hash: Option<String>,
}

fn member_name(m: &VerifiedMember) -> String {
    m.name
        .verified
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| m.name.declared.clone())
        .unwrap_or_default()
}

pub fn signers(v: &Visit) -> Vec<Signer> {
    let hash = v.content_hash();
    let find = |role: &str, name: &str, member: Option<&str>| {
        v.signatures.iter().rev().find(|s| {
            s.role == role
                && match member {
                    Some(id) => s.member_id.as_deref() == Some(id),
                    None => s.name == name,
                }
        })
    };
    let mut out = Vec::new();
    let mut push = |role: &str, name: String, member_id: Option<String>| {
        let s = find(role, &name, member_id.as_deref());
        out.push(Signer {
            role: role.into(),
            signed: s.is_some(),
            stale: s.is_some_and(|s| s.content_hash.as_deref() != Some(&hash)),
            thumbprint: s.is_some_and(|s| s.thumbprint == Some(true)),
            image_hash: s.and_then(|s| s.image_hash.clone()),
            name,
            member_id,
        });
    };
    for n in &v.investigators {
        push("investigator", n.clone(), None);
    }
    if v.refusal.is_some() {
        return out;
    }
    for m in &v.members {
        if m.present == Some(true) && m.status != "removed" {
            push("member", member_name(m), Some(m.id.clone()));
        }
    }
    out
}

/// Record a signature (image already stored as a blob) for the open visit, bound to the content
/// hash the signer saw. A new signature by the same person replaces the old one.
pub fn add_signature(
    case: &mut CaseDoc,
    role: &str,
    name: &str,
    member_id: Option<&str>,
    image_hash: &str,
    thumbprint: bool,
    now_ms: i64,
) -> Result<Signature, VisitError> {
    let v = open_visit_mut(case)?;
    let known = signers(v).into_iter().any(|s| {
        s.role == role
            && match member_id {
                Some(id) => s.member_id.as_deref() == Some(id),
                None => s.name == name,
            }
    });
    if !known {
        return Err(VisitError::NotFound(format!("signer {role} {name}")));
    }
    v.signatures.retain(|s| {
        !(s.role == role
            && match member_id {
                Some(id) => s.member_id.as_deref() == Some(id),
                None => s.name == name,
            })
    });
    let sig = Signature {
        id: new_row_id(),
        role: role.into(),
        name: name.into(),
        member_id: member_id.map(str::to_string),
        image_hash: Some(image_hash.into()),
        thumbprint: Some(thumbprint),
        signed_at: Some(now_ms),
        content_hash: Some(v.content_hash()),
    };
    v.signatures.push(sig.clone());
    Ok(sig)
}

const MEMBER_FIELDS: [&str; 18] = [
    "name",
    "id_number",
    "sex",
    "birth_date",
    "ethnicity",
    "relation",
    "hukou_type",
    "marital_status",
    "education",
    "school_stage",
    "health",
    "disease",
    "disability_type",
    "disability_grade",
    "disability_cert_no",
    "work_capacity",
    "employment",
    "employer",
];

/// Everything that stops the visit at `vi` from being sealed.
pub fn problems(case: &CaseDoc, vi: usize) -> Vec<Problem> {
    let Some(v) = case.visits.get(vi) else {
        return vec![problem("no_visit", "visits".into(), None)];
    };
    let base = format!("visits.{vi}");
    let mut out = Vec::new();
    if !matches!(v.method.as_str(), "home" | "phone" | "video") {
        out.push(problem("method_missing", format!("{base}.method"), None));
    }
    let team: std::collections::BTreeSet<&str> = v
        .investigators
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if team.len() < MIN_INVESTIGATORS {
        out.push(problem(
            "too_few_investigators",
            format!("{base}.investigators"),
            None,
        ));
    }
    let json = serde_json::to_value(v).expect("visit serialises");
    // A refusal to cooperate is what this visit records: the members' rows and income stay as
    // far as they got.
    let checked_members = if v.refusal.is_some() {
        &[][..]
    } else {
        &v.members[..]
    };
    let checked_income = if v.refusal.is_some() {
        &[][..]
    } else {
        &v.income[..]
    };
    for (mi, m) in checked_members.iter().enumerate() {
        let name = member_name(m);
        if m.status != "present"
            && m.change_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            out.push(problem(
                "member_change_reason",
                format!("{base}.members.{mi}.change_reason"),
                Some(&name),
            ));
        }
        if m.status != "removed" && m.present.is_none() {
            out.push(problem(
                "member_presence",
                format!("{base}.members.{mi}.present"),
                Some(&name),
            ));
        }
        for f in MEMBER_FIELDS {
            let c = &json["members"][mi][f];
            if c["matches"] == Json::Bool(false)
                && c["reason"].as_str().is_none_or(|r| r.trim().is_empty())
            {
                out.push(problem(
                    "differs_without_reason",
                    format!("{base}.members.{mi}.{f}.reason"),
                    Some(&name),
                ));
            }
        }
        if m.counted == Some(false)
            && m.status != "removed"
            && m.exclusion_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            out.push(problem(
                "exclusion_reason",
                format!("{base}.members.{mi}.exclusion_reason"),
                Some(&name),
            ));
        }
    }
    for (ri, r) in checked_income.iter().enumerate() {
        if r.category.is_empty() {
            out.push(problem(
                "income_category",
                format!("{base}.income.{ri}.category"),
                None,
            ));
        }
        if r.amount_fen.is_none() {
            out.push(problem(
                "income_amount",
                format!("{base}.income.{ri}.amount_fen"),
                None,
            ));
        }
    }
    // A 探访 records what the team found in the areas the policy names: at least one area with
    // its situation, and every row says which area it is about. (After a refusal to cooperate
    // there is nothing to record, as with the income.)
    if is_outreach(case) && v.refusal.is_none() {
        let known = |a: &str| jiuzhu_shared::vocab::term("visit_area", a).is_some();
        for (ni, n) in v.needs.iter().enumerate() {
            if !known(&n.area) {
                out.push(problem(
                    "need_area",
                    format!("{base}.needs.{ni}.area"),
                    None,
                ));
            }
        }
        if !v
            .needs
            .iter()
            .any(|n| known(&n.area) && !n.situation.trim().is_empty())
        {
            out.push(problem("needs_missing", format!("{base}.needs"), None));
        }
    }
    for s in signers(v) {
        let code = match (s.signed, s.stale) {
            (false, _) => "unsigned",
            (true, true) => "signature_stale",
            _ => continue,
        };
        out.push(problem(code, format!("{base}.signatures"), Some(&s.name)));
    }
    out
}

/// Seal the open visit: check completeness, then record the content hash every signature binds to.
pub fn finalize(case: &mut CaseDoc, now_ms: i64) -> Result<String, VisitError> {
    let vi = open_index(case).ok_or(VisitError::NoOpenVisit)?;
    let p = problems(case, vi);
    if !p.is_empty() {
        return Err(VisitError::Incomplete(p));
    }
    let v = &mut case.visits[vi];
    let hash = v.content_hash();
    v.content_hash = Some(hash.clone());
    v.finalized = true;
    v.finalized_at = Some(now_ms);
    Ok(hash)
}

/// A sealed visit is never edited: a correction (after a review note) is a new visit that copies
/// it, names it in `supersedes`, and needs its own signatures before it is sealed in turn.
pub fn start_correction(case: &mut CaseDoc, now_ms: i64) -> Result<usize, VisitError> {
    if let Some(i) = open_index(case) {
        return Ok(i);
    }
    let last = case.visits.last().ok_or(VisitError::NoOpenVisit)?;
    let mut v = last.clone();
    v.supersedes = Some(last.id.clone());
    v.id = new_row_id();
    v.signatures.clear();
    v.finalized = false;
    v.finalized_at = None;
    v.content_hash = None;
    v.started_at = Some(now_ms);
    case.visits.push(v);
    Ok(case.visits.len() - 1)
}

pub fn answer_note(
    case: &mut CaseDoc,
    note_id: &str,
    text: &str,
    by: &str,
    now_ms: i64,
) -> Result<(), VisitError> {
    if text.trim().is_empty() {
        return Err(VisitError::ReasonRequired("text".into()));
    }
    let n = case
        .review_notes
        .iter_mut()
        .find(|n| n.id == note_id)
        .ok_or_else(|| VisitError::NotFound(format!("review note {note_id}")))?;
    n.responses.push(NoteResponse {
        id: new_row_id(),
        text: text.trim().to_string(),
        by: by.into(),
        at: Some(now_ms),
    });
    Ok(())
}

/// The case-list state for a person (design §6): which of 待调查 / 调查中 / 待同步 / 被退回 / 已完成.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    #[serde(flatten)]
    pub item: crate::store::CaseListItem,
    /// Photos of this case not yet confirmed by the server.
    pub pending_photos: i64,
    /// Edited on this tablet since it arrived.
    pub touched: bool,
}

pub(crate) fn touched_key(case: CaseId) -> String {
    format!("touched:{case}")
}

impl Tablet {
    fn me(&self) -> Result<String> {
        Ok(self.identity()?.user_name)
    }

    /// One edit of the visit, committed at once, and the case marked as being worked on.
    fn visit_edit<R>(
        &mut self,
        case: CaseId,
        what: &str,
        f: impl FnOnce(&mut CaseDoc, i64) -> Result<R>,
    ) -> Result<R> {
        let r = self.edit(case, |doc, now| {
            let mut out = None;
            doc.update(what, now, |c| {
                out = Some(f(c, now * 1000));
                Ok(())
            })?;
            out.expect("update ran")
        })?;
        self.store.set_setting(&touched_key(case), "1")?;
        Ok(r)
    }

    /// The list rows with what the UI needs to group and badge them.
    pub fn case_rows(&self, query: Option<&str>) -> Result<Vec<CaseRow>> {
        let items = self.cases(query)?;
        let mut pending = std::collections::BTreeMap::<String, i64>::new();
        {
            let mut st = self
                .store
                .conn
                .prepare("SELECT case_id, COUNT(*) FROM blobs WHERE uploaded = 0 GROUP BY case_id")
                .map_err(crate::store::StoreError::from)?;
            let rows = st
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(crate::store::StoreError::from)?;
            for r in rows {
                let (k, n) = r.map_err(crate::store::StoreError::from)?;
                pending.insert(k, n);
            }
        }
        items
            .into_iter()
            .map(|item| {
                Ok(CaseRow {
                    pending_photos: pending.get(&item.case_id.to_string()).copied().unwrap_or(0),
                    touched: self.store.setting(&touched_key(item.case_id))?.is_some(),
                    item,
                })
            })
            .collect()
    }

    /// Open the visit for editing (creating it and laying out the declared members if needed).
    pub fn open_visit(&mut self, case: CaseId) -> Result<usize> {
        let me = self.me()?;
        let doc = self.document(case)?.read()?;
        // Only write when something is missing, so merely looking at a case changes nothing.
        let mut probe = doc.clone();
        let i = ensure_open(&mut probe, &me, now_s() * 1000);
        if probe == doc {
            return Ok(i);
        }
        self.visit_edit(case, "open visit", |c, now| Ok(ensure_open(c, &me, now)))
    }

    pub fn set_value(&mut self, case: CaseId, path: &str, value: Json) -> Result<()> {
        self.visit_edit(case, &format!("set {path}"), |c, _| {
            set_json(c, path, value)
        })
    }

    pub fn add_member(&mut self, case: CaseId, name: &str, reason: &str) -> Result<usize> {
        self.visit_edit(case, "add member", |c, _| Ok(add_member(c, name, reason)?))
    }

    pub fn remove_member(&mut self, case: CaseId, index: usize, reason: &str) -> Result<()> {
        self.visit_edit(case, "remove member", |c, _| {
            Ok(remove_member(c, index, reason)?)
        })
    }

    pub fn remove_row(&mut self, case: CaseId, section: &str, index: usize) -> Result<()> {
        self.visit_edit(case, &format!("remove {section}"), |c, _| {
            Ok(remove_row(c, section, index)?)
        })
    }

    /// Keep a signature drawing (PNG from the pad) as a content-addressed blob — durable before
    /// the document refers to it, uploaded by sync like a photo — and add the signature.
    pub fn sign(
        &mut self,
        case: CaseId,
        role: &str,
        name: &str,
        member_id: Option<&str>,
        png: &[u8],
    ) -> Result<Signature> {
        if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(TabletError::Protocol(
                "a signature must be a PNG image".into(),
            ));
        }
        let hash = crate::photo::sha256_hex(png);
        self.write_sealed("photos", &hash, png)?;
        let sig = self.visit_edit(case, "sign", |c, now| {
            Ok(add_signature(c, role, name, member_id, &hash, false, now)?)
        })?;
        self.store
            .add_blob(&hash, case, png.len() as u64, now_s())?;
        Ok(sig)
    }

    /// A member who cannot sign leaves a thumbprint; its photo goes through the photo pipeline.
    pub fn sign_thumbprint(
        &mut self,
        case: CaseId,
        name: &str,
        member_id: &str,
        image: &[u8],
    ) -> Result<Signature> {
        let p = crate::photo::process(image, &self.photo_config)?;
        self.write_sealed("photos", &p.sha256, &p.jpeg)?;
        let sig = self.visit_edit(case, "thumbprint", |c, now| {
            Ok(add_signature(
                c,
                "member",
                name,
                Some(member_id),
                &p.sha256,
                true,
                now,
            )?)
        })?;
        self.store
            .add_blob(&p.sha256, case, p.jpeg.len() as u64, now_s())?;
        Ok(sig)
    }

    pub fn record_refusal(&mut self, case: CaseId, member: &str, what: &str) -> Result<()> {
        self.visit_edit(case, "record refusal to cooperate", |c, now| {
            Ok(record_refusal(c, member, what, now)?)
        })
    }

    pub fn signers(&self, case: CaseId) -> Result<Vec<Signer>> {
        let c = self.document(case)?.read()?;
        Ok(open_index(&c)
            .or(c.visits.len().checked_sub(1))
            .map(|i| signers(&c.visits[i]))
            .unwrap_or_default())
    }

    pub fn problems(&self, case: CaseId) -> Result<Vec<Problem>> {
        let c = self.document(case)?.read()?;
        Ok(match open_index(&c) {
            Some(i) => problems(&c, i),
            None => Vec::new(),
        })
    }

    pub fn finalize(&mut self, case: CaseId) -> Result<String> {
        self.visit_edit(case, "finalize visit", |c, now| Ok(finalize(c, now)?))
    }

    pub fn start_correction(&mut self, case: CaseId) -> Result<usize> {
        self.visit_edit(case, "start correction", |c, now| {
            Ok(start_correction(c, now)?)
        })
    }

    pub fn answer_note(&mut self, case: CaseId, note_id: &str, text: &str) -> Result<()> {
        let me = self.me()?;
        self.visit_edit(case, "answer review note", |c, now| {
            Ok(answer_note(c, note_id, text, &me, now)?)
        })
    }

    /// A thumbnail (photos) or the image itself (signatures have no thumbnail).
    pub fn thumbnail(&self, hash: &str) -> Result<Vec<u8>> {
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(TabletError::Protocol("not a blob hash".into()));
        }
        self.check_lease()?;
        match self.read_sealed("thumbs", hash) {
            Ok(b) => Ok(b),
            Err(_) => self.read_sealed("photos", hash),
        }
    }

    /// When the last sync finished (unix seconds), if ever.
    pub fn last_sync_at(&self) -> Result<Option<i64>> {
        Ok(self
            .store
            .setting("last_sync_at")?
            .and_then(|v| v.parse().ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_shared::schema::{DeclaredMember, ReviewNote, VisitNeed};

    fn case() -> CaseDoc {
        let mut c = CaseDoc::default();
        c.header.assigned_team = vec!["王磊".into(), "李娜".into()];
        c.declared.members = vec![
            DeclaredMember {
                id: "d1".into(),
                name: "巴特尔".into(),
                id_number: "150621198001011234".into(),
                relation: "本人".into(),
                ..Default::default()
            },
            DeclaredMember {
                id: "d2".into(),
                name: "其其格".into(),
                relation: "配偶".into(),
                ..Default::default()
            },
        ];
        c
    }

    fn sign_all(c: &mut CaseDoc) {
        let v = &c.visits[open_index(c).unwrap()];
        for s in signers(v) {
            add_signature(
                c,
                &s.role,
                &s.name,
                s.member_id.as_deref(),
                &"a".repeat(64),
                false,
                1,
            )
            .unwrap();
        }
    }

    #[test]
    fn opening_lays_out_declared_members_once() {
        let mut c = case();
        let i = ensure_open(&mut c, "王磊", 5);
        assert_eq!(i, 0);
        let v = &c.visits[0];
        assert_eq!(v.investigators, vec!["王磊", "李娜"]);
        assert_eq!(v.members.len(), 2);
        assert_eq!(v.members[0].name.declared.as_deref(), Some("巴特尔"));
        assert_eq!(v.members[0].declared_id.as_deref(), Some("d1"));
        assert_eq!(v.members[1].id_number.declared, None);
        let before = c.clone();
        assert_eq!(ensure_open(&mut c, "王磊", 6), 0);
        assert_eq!(c, before, "opening again changes nothing");
        ensure_open(&mut c, "张三", 7);
        assert_eq!(c.visits[0].investigators.len(), 3);
    }

    #[test]
    fn edits_only_reach_the_open_visit_and_not_the_seal() {
        let mut c = case();
        ensure_open(&mut c, "王磊", 0);
        set_json(&mut c, "visits.0.living.housing", Json::from("砖房两间")).unwrap();
        assert_eq!(c.visits[0].living.housing.as_deref(), Some("砖房两间"));
        set_json(&mut c, "visits.0.income.0.amount_fen", Json::from(120000)).unwrap();
        assert!(!c.visits[0].income[0].id.is_empty(), "new rows get an id");
        for p in [
            "header.applicant_name",
            "declared.members.0.name",
            "visits.0.finalized",
            "visits.0.signatures.0.name",
            "visits.0.content_hash",
        ] {
            assert_eq!(
                set_json(&mut c, p, Json::from("x"))
                    .unwrap_err()
                    .to_string(),
                TabletError::from(VisitError::NotEditable(p.into())).to_string()
            );
        }
        assert!(set_json(&mut c, "visits.0.income.0.amount_fen", Json::from("many")).is_err());
        c.visits[0].finalized = true;
        assert!(matches!(
            set_json(&mut c, "visits.0.living.food", Json::from("x")),
            Err(TabletError::Visit(VisitError::Sealed(_)))
        ));
    }

    #[test]
    fn members_are_added_and_removed_with_a_reason() {
        let mut c = case();
        ensure_open(&mut c, "王磊", 0);
        assert_eq!(
            add_member(&mut c, "小明", " "),
            Err(VisitError::ReasonRequired("change_reason".into()))
        );
        let i = add_member(&mut c, "小明", "新生儿").unwrap();
        assert_eq!(c.visits[0].members[i].status, "added");
        assert!(remove_member(&mut c, 1, "").is_err());
        remove_member(&mut c, 1, "已外出务工三年，不共同生活").unwrap();
        assert_eq!(c.visits[0].members[1].status, "removed");
        assert_eq!(c.visits[0].members[1].counted, Some(false));
        // An added member removed again just disappears.
        remove_member(&mut c, i, "").unwrap();
        assert_eq!(c.visits[0].members.len(), 2);
    }

    #[test]
    fn completeness_then_seal_binds_signatures() {
        let mut c = case();
        ensure_open(&mut c, "王磊", 0);
        c.visits[0].investigators = vec!["王磊".into()];
        let codes = |c: &CaseDoc| {
            problems(c, 0)
                .into_iter()
                .map(|p| p.code)
                .collect::<Vec<_>>()
        };
        let p = codes(&c);
        assert!(p.contains(&"too_few_investigators".to_string()));
        assert!(p.contains(&"member_presence".to_string()));
        c.visits[0].investigators.push("李娜".into());
        c.visits[0].members[0].present = Some(true);
        c.visits[0].members[1].present = Some(false);
        c.visits[0].members[0].id_number.matches = Some(false);
        assert!(codes(&c).contains(&"differs_without_reason".to_string()));
        c.visits[0].members[0].id_number.reason = Some("身份证已换发".into());
        assert_eq!(codes(&c), vec!["unsigned", "unsigned", "unsigned"]);
        assert!(matches!(
            finalize(&mut c, 9),
            Err(VisitError::Incomplete(_))
        ));
        sign_all(&mut c);
        assert!(codes(&c).is_empty());
        // An edit after signing makes every signature stale.
        set_json(&mut c, "visits.0.living.food", Json::from("自给")).unwrap();
        assert_eq!(codes(&c), vec!["signature_stale"; 3]);
        sign_all(&mut c);
        let hash = finalize(&mut c, 9).unwrap();
        let v = &c.visits[0];
        assert!(v.finalized);
        assert_eq!(v.content_hash.as_deref(), Some(hash.as_str()));
        assert_eq!(v.content_hash(), hash);
        assert!(
            v.signatures
                .iter()
                .all(|s| s.content_hash.as_deref() == Some(hash.as_str()))
        );
        assert_eq!(finalize(&mut c, 10), Err(VisitError::NoOpenVisit));
    }

    #[test]
    fn signatures_only_from_known_signers_and_replace_earlier_ones() {
        let mut c = case();
        ensure_open(&mut c, "王磊", 0);
        assert!(add_signature(&mut c, "investigator", "路人", None, "h", false, 1).is_err());
        let mid = c.visits[0].members[0].id.clone();
        assert!(add_signature(&mut c, "member", "巴特尔", Some(&mid), "h", false, 1).is_err());
        c.visits[0].members[0].present = Some(true);
        add_signature(&mut c, "member", "巴特尔", Some(&mid), "h1", false, 1).unwrap();
        add_signature(&mut c, "member", "巴特尔", Some(&mid), "h2", true, 2).unwrap();
        assert_eq!(c.visits[0].signatures.len(), 1);
        let s = &signers(&c.visits[0])[2];
        assert!(s.signed && s.thumbprint && !s.stale);
        assert_eq!(s.image_hash.as_deref(), Some("h2"));
    }

    #[test]
    fn correction_copies_the_sealed_visit_and_notes_get_answers() {
        let mut c = case();
        ensure_open(&mut c, "王磊", 0);
        for m in &mut c.visits[0].members {
            m.present = Some(false);
        }
        sign_all(&mut c);
        finalize(&mut c, 1).unwrap();
        c.review_notes.push(ReviewNote {
            id: "n1".into(),
            path: Some("visits.0.living.housing".into()),
            text: "住房情况未填".into(),
            ..Default::default()
        });
        assert!(answer_note(&mut c, "n1", " ", "王磊", 2).is_err());
        answer_note(&mut c, "n1", "已补充", "王磊", 2).unwrap();
        assert_eq!(c.review_notes[0].responses[0].by, "王磊");
        let i = start_correction(&mut c, 3).unwrap();
        assert_eq!(i, 1);
        let (old, new) = (&c.visits[0], &c.visits[1]);
        assert_eq!(new.supersedes.as_deref(), Some(old.id.as_str()));
        assert!(new.signatures.is_empty() && !new.finalized && new.content_hash.is_none());
        assert_eq!(new.members, old.members);
        assert_eq!(start_correction(&mut c, 4).unwrap(), 1, "idempotent");
    }

    #[test]
    fn a_refusal_to_cooperate_is_sealed_by_the_investigators_alone() {
        let mut c = case();
        ensure_open(&mut c, "王磊", 0);
        assert_eq!(
            record_refusal(&mut c, "巴特尔", " ", 1),
            Err(VisitError::ReasonRequired("refusal.what".into()))
        );
        record_refusal(&mut c, "巴特尔", "拒绝提供银行流水，拒绝入户", 1).unwrap();
        let v = &c.visits[0];
        assert!(signers(v).iter().all(|s| s.role == "investigator"));
        // Members' presence is not asked for; the investigators' signatures are.
        let codes: Vec<String> = problems(&c, 0).into_iter().map(|p| p.code).collect();
        assert_eq!(codes, vec!["unsigned", "unsigned"]);
        sign_all(&mut c);
        finalize(&mut c, 2).unwrap();
        assert_eq!(
            jiuzhu_shared::policy::check_seal(&c.visits[0], &c.header.assigned_team),
            Ok(())
        );
    }

    #[test]
    fn rows_are_removed_by_section() {
        let mut c = case();
        ensure_open(&mut c, "王磊", 0);
        set_json(&mut c, "visits.0.property.0.kind", Json::from("vehicle")).unwrap();
        assert!(remove_row(&mut c, "property", 1).is_err());
        assert!(remove_row(&mut c, "members", 0).is_err());
        remove_row(&mut c, "property", 0).unwrap();
        assert!(c.visits[0].property.is_empty());
        // Legal supporters are rows of the visit like any other.
        set_json(&mut c, "visits.0.supporters.0.name", Json::from("王建军")).unwrap();
        remove_row(&mut c, "supporters", 0).unwrap();
        assert!(c.visits[0].supporters.is_empty());
    }

    fn codes(c: &CaseDoc) -> Vec<String> {
        problems(c, 0).into_iter().map(|p| p.code).collect()
    }

    /// A visit that lacks nothing but what a 探访 adds: two investigators, members marked.
    fn ready(outreach: bool) -> CaseDoc {
        let mut c = case();
        if outreach {
            c.header.flags = vec!["加急".into(), OUTREACH_FLAG.into()];
        }
        ensure_open(&mut c, "王磊", 0);
        for m in &mut c.visits[0].members {
            m.present = Some(false);
        }
        c
    }

    #[test]
    fn the_flag_is_the_servers_label_of_a_visit_case() {
        assert_eq!(OUTREACH_FLAG, jiuzhu_shared::workflow::CaseKind::Visit.zh());
        assert!(is_outreach(&ready(true)));
        assert!(!is_outreach(&ready(false)));
    }

    #[test]
    fn an_outreach_visit_needs_an_area_with_its_situation() {
        let mut c = ready(true);
        let p = problems(&c, 0);
        assert!(
            p.iter()
                .any(|p| p.code == "needs_missing" && p.path == "visits.0.needs"),
            "{p:?}"
        );
        // A row with an area but nothing said about it is not enough.
        set_json(
            &mut c,
            "visits.0.needs.0",
            serde_json::json!({"area": "medical", "need": "医疗救助"}),
        )
        .unwrap();
        assert!(codes(&c).contains(&"needs_missing".to_string()));
        set_json(&mut c, "visits.0.needs.0.situation", Json::from("  ")).unwrap();
        assert!(codes(&c).contains(&"needs_missing".to_string()));
        set_json(
            &mut c,
            "visits.0.needs.0.situation",
            Json::from("住院后在家休养"),
        )
        .unwrap();
        assert!(!codes(&c).contains(&"needs_missing".to_string()));
        sign_all(&mut c);
        assert!(codes(&c).is_empty(), "{:?}", codes(&c));
        finalize(&mut c, 3).unwrap();
    }

    #[test]
    fn every_needs_row_says_which_area() {
        let mut c = ready(true);
        c.visits[0].needs = vec![
            VisitNeed {
                id: "n1".into(),
                area: "housing".into(),
                situation: "土坯房漏雨".into(),
                ..Default::default()
            },
            VisitNeed {
                id: "n2".into(),
                situation: "孩子辍学在家".into(),
                ..Default::default()
            },
            VisitNeed {
                id: "n3".into(),
                area: "farming".into(),
                ..Default::default()
            },
        ];
        let p: Vec<(String, String)> = problems(&c, 0)
            .into_iter()
            .filter(|p| p.code.starts_with("need"))
            .map(|p| (p.code, p.path))
            .collect();
        assert_eq!(
            p,
            vec![
                ("need_area".to_string(), "visits.0.needs.1.area".to_string()),
                ("need_area".to_string(), "visits.0.needs.2.area".to_string()),
            ]
        );
        // A situation written under no area does not count as the one area recorded.
        c.visits[0].needs.remove(0);
        assert!(codes(&c).contains(&"needs_missing".to_string()));
        // A refusal to cooperate is what the visit then records.
        record_refusal(&mut c, "巴特尔", "拒绝入户", 1).unwrap();
        assert_eq!(codes(&c), vec!["unsigned", "unsigned"]);
    }

    #[test]
    fn an_investigation_is_not_asked_for_needs() {
        let mut c = ready(false);
        c.header.flags = vec!["变更核查".into()];
        sign_all(&mut c);
        assert!(codes(&c).is_empty(), "{:?}", codes(&c));
        // Not even for a needs row without an area (only a 探访 records them).
        c.visits[0].needs.push(VisitNeed {
            id: "n1".into(),
            ..Default::default()
        });
        sign_all(&mut c);
        assert!(codes(&c).is_empty(), "{:?}", codes(&c));
        finalize(&mut c, 2).unwrap();
    }
}
