//! Who may write which part of a case document (design §2; issue 11 point 1). One table,
//! [`POLICY`], used by the server before it stores anything a device sends (and before it stores
//! its own writes), and by the tablet before it commits an edit, so an honest tablet never
//! produces a change the server would refuse.
//!
//! A write is judged by what it changes. The typed document before and after are compared part
//! by part, rows matched by their id (so a row's position does not matter), and every changed
//! part must be one the writer may write ([`check`]). Comparing typed values means a field that
//! only gains its default value (an older document missing a newer field) changes nothing. What
//! the typed view cannot show — a concurrent value kept beside the winner, a key outside the
//! schema, or an operation on the header undone within the same message — [`check_change`] finds
//! in the Automerge patches and operations.
//!
//! A visit sealed by the write is checked as the server would check a paper form ([`check_seal`]):
//! its content hash is recomputed, every signature is bound to it, the investigators who signed
//! are on the case's team and the members who signed are members of the visit.

use crate::document::{CaseDocument, DocError};
use crate::ids::ActorKey;
use crate::schema::{CaseDoc, Visit};
use automerge::{ChangeHash, ObjId, Prop, ReadDoc};
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// Who writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Writer {
    /// The server itself: the application, intake, the workflow engine, assignment, objections.
    Server,
    /// A console user, through the server: return notes, conflict resolutions, findings.
    Console,
    /// A device of an investigator on the case's team (the server's assignment record).
    Team,
}

/// A part of the case document, as a write touches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// `case_id`, `schema_version`.
    Identity,
    Header,
    Declared,
    /// A visit that did not exist before the write.
    NewVisit,
    /// A visit that was open (not sealed) before the write.
    OpenVisit,
    /// A visit that was sealed before the write.
    SealedVisit,
    NewFinding,
    /// A finding that existed before (findings are append-only).
    Finding,
    NewNote,
    /// A review note's own fields (text, the field it points at, author, time).
    Note,
    /// Whether a review note is settled.
    NoteResolution,
    /// An answer appended to a review note.
    NewResponse,
    /// An answer that existed before.
    Response,
    /// A visit, finding, note or answer taken out.
    Removal,
    /// Anything outside the case schema.
    Unknown,
}

/// One row of the write policy.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub part: Part,
    pub writers: &'static [Writer],
    /// Why a writer not listed is refused, for the person who tried.
    pub zh: &'static str,
}

use Writer::{Console, Server, Team};

/// The write policy: who may write each part (design §2).
pub const POLICY: &[Rule] = &[
    Rule {
        part: Part::Identity,
        writers: &[Server],
        zh: "案件编号和文档版本由乡镇服务器建立，不能修改",
    },
    Rule {
        part: Part::Header,
        writers: &[Server],
        zh: "案件基本信息（办理状态、乡镇、调查组、期限）由乡镇服务器按办理流程写入，不能在此修改",
    },
    Rule {
        part: Part::Declared,
        writers: &[Server],
        zh: "申请人申报的信息只能来自申请或窗口受理，不能修改；核实的情况请填写在入户调查表中",
    },
    Rule {
        part: Part::NewVisit,
        writers: &[Server, Team],
        zh: "只有本案调查组可以新建入户调查",
    },
    Rule {
        part: Part::OpenVisit,
        writers: &[Server, Console, Team],
        zh: "只有本案调查组可以填写入户调查表",
    },
    Rule {
        part: Part::SealedVisit,
        writers: &[],
        zh: "入户调查已签字封存，不能修改；如需更正，请新建一次更正调查",
    },
    Rule {
        part: Part::NewFinding,
        writers: &[Server, Console, Team],
        zh: "只有本案调查组和乡镇工作人员可以记录调查发现",
    },
    Rule {
        part: Part::Finding,
        writers: &[],
        zh: "调查发现一经记录不能修改，请追加一条新的发现",
    },
    Rule {
        part: Part::NewNote,
        writers: &[Server, Console],
        zh: "审核意见由乡镇工作人员在审核系统中填写",
    },
    Rule {
        part: Part::Note,
        writers: &[],
        zh: "审核意见的内容不能修改",
    },
    Rule {
        part: Part::NoteResolution,
        writers: &[Server, Console],
        zh: "审核意见是否已处理由乡镇工作人员确认",
    },
    Rule {
        part: Part::NewResponse,
        writers: &[Team],
        zh: "只有本案调查组可以答复审核意见",
    },
    Rule {
        part: Part::Response,
        writers: &[],
        zh: "答复一经提交不能修改，请追加新的答复",
    },
    Rule {
        part: Part::Removal,
        writers: &[],
        zh: "入户调查、调查发现、审核意见和答复都不能删除",
    },
    Rule {
        part: Part::Unknown,
        writers: &[],
        zh: "写入的内容不属于案件格式",
    },
];

/// The rule for a part.
pub fn rule(part: Part) -> &'static Rule {
    POLICY
        .iter()
        .find(|r| r.part == part)
        .expect("every part has a rule")
}

/// Whether `writer` may write `part`.
pub fn may_write(writer: Writer, part: Part) -> bool {
    rule(part).writers.contains(&writer)
}

/// What the writer is allowed as, for one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub writer: Writer,
    /// Who writes (an investigator's or console user's name): findings and answers must carry it.
    pub name: String,
    /// The case's team, as the server records it: the investigators who may sign a visit.
    pub team: Vec<String>,
}

impl Grant {
    pub fn server() -> Grant {
        Grant {
            writer: Server,
            name: String::new(),
            team: Vec::new(),
        }
    }

    pub fn console(name: &str) -> Grant {
        Grant {
            writer: Console,
            name: name.to_string(),
            team: Vec::new(),
        }
    }

    pub fn team(name: &str, team: &[String]) -> Grant {
        Grant {
            writer: Team,
            name: name.to_string(),
            team: team.to_vec(),
        }
    }
}

/// A refused write: a stable code, the part and the path it touched, and a sentence in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{path}: {zh}")]
pub struct Violation {
    /// `write_forbidden`, `seal_invalid`, `wrong_author`, `correction_unreferenced` or
    /// `duplicate_row`.
    pub code: &'static str,
    pub part: Part,
    pub path: String,
    pub zh: String,
}

/// The refusal codes of this module (the tablet sets a refused document aside on these).
pub const CODES: &[&str] = &[
    "write_forbidden",
    "seal_invalid",
    "wrong_author",
    "correction_unreferenced",
    "duplicate_row",
];

fn violation(
    code: &'static str,
    part: Part,
    path: impl Into<String>,
    zh: impl Into<String>,
) -> Violation {
    Violation {
        code,
        part,
        path: path.into(),
        zh: zh.into(),
    }
}

fn forbidden(part: Part, path: impl Into<String>) -> Violation {
    violation("write_forbidden", part, path, rule(part).zh)
}

/// Judge a write by the typed document before and after it.
pub fn check(before: &CaseDoc, after: &CaseDoc, grant: &Grant) -> Result<(), Violation> {
    for (part, path) in touched(before, after)? {
        if !may_write(grant.writer, part) {
            return Err(forbidden(part, path));
        }
    }
    check_rows(before, after, grant)
}

/// Every part the write changed, with the first path changed in it.
pub fn touched(before: &CaseDoc, after: &CaseDoc) -> Result<Vec<(Part, String)>, Violation> {
    let mut out = Vec::new();
    let b = to_json(before);
    let a = to_json(after);
    for key in ["case_id", "schema_version"] {
        if b[key] != a[key] {
            out.push((Part::Identity, key.to_string()));
        }
    }
    for key in ["header", "declared"] {
        if let Some(p) = first_difference(&b[key], &a[key], key) {
            out.push((
                if key == "header" {
                    Part::Header
                } else {
                    Part::Declared
                },
                p,
            ));
        }
    }
    let sealed_before: BTreeMap<&str, bool> = before
        .visits
        .iter()
        .map(|v| (v.id.as_str(), v.finalized))
        .collect();
    rows(&b["visits"], &a["visits"], "visits", &mut |change| {
        out.push(match change {
            Row::Added(path) => (Part::NewVisit, path),
            Row::Removed(path) => (Part::Removal, path),
            Row::Changed { id, first, .. } => (
                if sealed_before.get(id).copied().unwrap_or(false) {
                    Part::SealedVisit
                } else {
                    Part::OpenVisit
                },
                first,
            ),
        })
    })?;
    rows(&b["findings"], &a["findings"], "findings", &mut |change| {
        out.push(match change {
            Row::Added(path) => (Part::NewFinding, path),
            Row::Removed(path) => (Part::Removal, path),
            Row::Changed { first, .. } => (Part::Finding, first),
        })
    })?;
    let notes_b = keyed(&b["review_notes"], "review_notes")?;
    let mut answers_refused = None;
    rows(
        &b["review_notes"],
        &a["review_notes"],
        "review_notes",
        &mut |change| match change {
            Row::Added(path) => out.push((Part::NewNote, path)),
            Row::Removed(path) => out.push((Part::Removal, path)),
            Row::Changed { id, row, .. } => {
                let (old, new) = (notes_b[id], at_path(&a, &row));
                for field in ["path", "text", "by", "at"] {
                    if old[field] != new[field] {
                        out.push((Part::Note, format!("{row}.{field}")));
                    }
                }
                if old["resolved"] != new["resolved"] {
                    out.push((Part::NoteResolution, format!("{row}.resolved")));
                }
                let answers = rows(
                    &old["responses"],
                    &new["responses"],
                    &format!("{row}.responses"),
                    &mut |r| {
                        out.push(match r {
                            Row::Added(p) => (Part::NewResponse, p),
                            Row::Removed(p) => (Part::Removal, p),
                            Row::Changed { first, .. } => (Part::Response, first),
                        })
                    },
                );
                if let Err(e) = answers {
                    answers_refused = Some(e);
                }
            }
        },
    )?;
    match answers_refused {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

fn at_path<'a>(root: &'a Json, path: &str) -> &'a Json {
    crate::path::get(root, path).unwrap_or(&Json::Null)
}

fn to_json(case: &CaseDoc) -> Json {
    serde_json::to_value(case).expect("a case serialises")
}

/// The first path at which two JSON values differ, if any.
fn first_difference(a: &Json, b: &Json, path: &str) -> Option<String> {
    if a == b {
        return None;
    }
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => x
            .keys()
            .chain(y.keys())
            .find_map(|k| {
                first_difference(
                    x.get(k).unwrap_or(&Json::Null),
                    y.get(k).unwrap_or(&Json::Null),
                    &format!("{path}.{k}"),
                )
            })
            .or_else(|| Some(path.to_string())),
        (Json::Array(x), Json::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}.{i}")))
            .or_else(|| Some(path.to_string())),
        _ => Some(path.to_string()),
    }
}

enum Row<'a> {
    /// A row not there before (path with its index after the write).
    Added(String),
    /// A row gone after the write (path with its index before).
    Removed(String),
    /// A row changed: its id, its path and the first path changed in it (indices after the write).
    Changed {
        id: &'a str,
        row: String,
        first: String,
    },
}

/// Rows of a list by id; two rows with one id are refused (the comparison would be ambiguous).
fn keyed<'a>(list: &'a Json, path: &str) -> Result<BTreeMap<&'a str, &'a Json>, Violation> {
    let mut out = BTreeMap::new();
    for (i, row) in list
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let id = row["id"].as_str().unwrap_or_default();
        if out.insert(id, row).is_some() {
            return Err(violation(
                "duplicate_row",
                Part::Unknown,
                format!("{path}.{i}.id"),
                "同一条记录出现了两次（编号重复）",
            ));
        }
    }
    Ok(out)
}

/// Compare two lists of rows by id and report each change.
fn rows<'a>(
    before: &'a Json,
    after: &'a Json,
    path: &str,
    f: &mut dyn FnMut(Row<'a>),
) -> Result<(), Violation> {
    let b = keyed(before, path)?;
    let a = keyed(after, path)?;
    let after_rows = after.as_array().map(Vec::as_slice).unwrap_or_default();
    for (i, row) in after_rows.iter().enumerate() {
        let id = row["id"].as_str().unwrap_or_default();
        let here = format!("{path}.{i}");
        match b.get(id) {
            None => f(Row::Added(here)),
            Some(old) => {
                if let Some(first) = first_difference(old, row, &here) {
                    let id = b.get_key_value(id).map(|(k, _)| *k).unwrap_or_default();
                    f(Row::Changed {
                        id,
                        row: here,
                        first,
                    })
                }
            }
        }
    }
    let before_rows = before.as_array().map(Vec::as_slice).unwrap_or_default();
    for (i, row) in before_rows.iter().enumerate() {
        if !a.contains_key(row["id"].as_str().unwrap_or_default()) {
            f(Row::Removed(format!("{path}.{i}")));
        }
    }
    Ok(())
}

/// Checks beyond the table: authorship of new findings and answers, corrections referencing the
/// visit they correct, and the seal of every visit this write sealed.
fn check_rows(before: &CaseDoc, after: &CaseDoc, grant: &Grant) -> Result<(), Violation> {
    if grant.writer == Server {
        return Ok(());
    }
    let old_findings: BTreeSet<&str> = before.findings.iter().map(|f| f.id.as_str()).collect();
    for (i, f) in after.findings.iter().enumerate() {
        if !old_findings.contains(f.id.as_str()) && f.by != grant.name {
            return Err(violation(
                "wrong_author",
                Part::NewFinding,
                format!("findings.{i}.by"),
                "调查发现须以记录人本人的名义记录",
            ));
        }
    }
    for (ni, n) in after.review_notes.iter().enumerate() {
        let old: BTreeSet<&str> = before
            .review_notes
            .iter()
            .find(|o| o.id == n.id)
            .map(|o| o.responses.iter().map(|r| r.id.as_str()).collect())
            .unwrap_or_default();
        for (ri, r) in n.responses.iter().enumerate() {
            if !old.contains(r.id.as_str()) && r.by != grant.name {
                return Err(violation(
                    "wrong_author",
                    Part::NewResponse,
                    format!("review_notes.{ni}.responses.{ri}.by"),
                    "答复须以答复人本人的名义提交",
                ));
            }
        }
    }
    let sealed: BTreeSet<&str> = before
        .visits
        .iter()
        .filter(|v| v.finalized)
        .map(|v| v.id.as_str())
        .collect();
    for (i, v) in after.visits.iter().enumerate() {
        let existed = before.visits.iter().find(|b| b.id == v.id);
        if existed.is_none() && grant.writer == Team && !sealed.is_empty() {
            let corrects = v.supersedes.as_deref().is_some_and(|s| sealed.contains(s));
            if !corrects {
                return Err(violation(
                    "correction_unreferenced",
                    Part::NewVisit,
                    format!("visits.{i}.supersedes"),
                    "本案已有封存的入户调查，新的调查须注明所更正的调查",
                ));
            }
        }
        let sealed_now = v.finalized && !existed.is_some_and(|b| b.finalized);
        if sealed_now {
            check_seal(v, &grant.team).map_err(|zh| {
                violation("seal_invalid", Part::OpenVisit, format!("visits.{i}"), zh)
            })?;
        }
    }
    Ok(())
}

/// Whether a sealed visit holds together: the hash recomputes, every signature is bound to it, at
/// least two of the team's investigators signed, and every member who signed is a member of the
/// visit who was present. `Err` says in Chinese what is wrong.
pub fn check_seal(v: &Visit, team: &[String]) -> Result<(), String> {
    let hash = v.content_hash();
    if v.content_hash.as_deref() != Some(hash.as_str()) || v.finalized_at.is_none() {
        return Err("封存的调查内容与其摘要不符（内容在签字封存后被改动过）".into());
    }
    let mut investigators = BTreeSet::new();
    for s in &v.signatures {
        if s.content_hash.as_deref() != Some(hash.as_str()) {
            return Err(format!("{}的签字不是对封存时的调查内容所签", s.name));
        }
        match s.role.as_str() {
            "investigator" => {
                if !team.iter().any(|t| t == &s.name) {
                    return Err(format!("签字的调查员{}不是本案调查组成员", s.name));
                }
                investigators.insert(s.name.as_str());
            }
            "member" => {
                let member = s
                    .member_id
                    .as_deref()
                    .and_then(|id| v.members.iter().find(|m| m.id == id));
                if !member.is_some_and(|m| m.status != "removed" && m.present == Some(true)) {
                    return Err(format!("签字人{}不是本次调查在场的家庭成员", s.name));
                }
            }
            other => return Err(format!("未知的签字身份：{other}")),
        }
    }
    if investigators.len() < 2 {
        return Err("封存的调查须有本案调查组至少两名调查员签字".into());
    }
    Ok(())
}

/// Judge the changes `doc` received since `before_heads`, as written by `grant` with `actor`:
/// the typed comparison of [`check`], then what only the Automerge data shows — a key outside the
/// schema, a concurrent value kept in a part the writer may not write, and any operation by
/// `actor` on a part it may not write at all, even one undone in the same message. Answers the
/// document as it now reads (the caller need not read it again).
pub fn check_change(
    doc: &mut CaseDocument,
    before_heads: &[ChangeHash],
    actor: ActorKey,
    grant: &Grant,
) -> Result<CaseDoc, CheckError> {
    let heads = doc.heads();
    let after = doc.read()?;
    if heads.as_slice() == before_heads {
        return Ok(after);
    }
    let before = CaseDocument::from_automerge(doc.automerge().fork_at(before_heads)?).read()?;
    check(&before, &after, grant)?;
    let after_json = to_json(&after);
    for p in doc.automerge().diff(before_heads, &heads) {
        let (path, conflict, removes) = patch_path(&p);
        let part = classify(&path, &before, &after);
        if removes {
            continue;
        }
        // A null is how an absent optional field is written (one the JSON form leaves out, like
        // a visit's `refusal`): it adds nothing.
        let null = matches!(
            &p.action,
            automerge::PatchAction::PutMap { value: (automerge::Value::Scalar(v), _), .. }
                if v.is_null()
        );
        let unknown = crate::path::get(&after_json, &path).is_none() && !null;
        if unknown || part == Part::Unknown {
            return Err(forbidden(Part::Unknown, path).into());
        }
        if conflict && !may_write(grant.writer, part) {
            return Err(forbidden(part, path).into());
        }
    }
    if grant.writer == Team {
        check_sections(doc, before_heads, actor)?;
    }
    Ok(after)
}

/// A check that could not run, or a refused write.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Refused(#[from] Violation),
    #[error(transparent)]
    Doc(#[from] DocError),
}

impl From<automerge::AutomergeError> for CheckError {
    fn from(e: automerge::AutomergeError) -> Self {
        CheckError::Doc(e.into())
    }
}

/// The dotted path a patch writes, whether it leaves a conflict, and whether it only removes.
fn patch_path(p: &automerge::Patch) -> (String, bool, bool) {
    use automerge::PatchAction as A;
    let mut segs: Vec<String> = p
        .path
        .iter()
        .map(|(_, prop)| match prop {
            Prop::Map(k) => k.to_string(),
            Prop::Seq(i) => i.to_string(),
        })
        .collect();
    let (last, conflict, removes) = match &p.action {
        A::PutMap { key, conflict, .. } => (Some(key.to_string()), *conflict, false),
        A::PutSeq {
            index, conflict, ..
        } => (Some(index.to_string()), *conflict, false),
        A::Insert { index, .. } => (Some(index.to_string()), false, false),
        A::Conflict { prop } => (
            Some(match prop {
                Prop::Map(k) => k.to_string(),
                Prop::Seq(i) => i.to_string(),
            }),
            true,
            false,
        ),
        A::DeleteMap { .. } | A::DeleteSeq { .. } => (None, false, true),
        A::SpliceText { .. } | A::Increment { .. } | A::Mark { .. } => (None, false, false),
    };
    segs.extend(last);
    (segs.join("."), conflict, removes)
}

/// The part a dotted path falls in, judged against the states before and after the write.
pub fn classify(path: &str, before: &CaseDoc, after: &CaseDoc) -> Part {
    let seg: Vec<&str> = path.split('.').collect();
    let index = |i: usize| seg.get(i).and_then(|s| s.parse::<usize>().ok());
    match seg[0] {
        "case_id" | "schema_version" if seg.len() == 1 => Part::Identity,
        "header" => Part::Header,
        "declared" => Part::Declared,
        "visits" => match index(1).and_then(|i| after.visits.get(i)) {
            None if seg.len() == 1 => Part::NewVisit,
            None => Part::Unknown,
            Some(v) => match before.visits.iter().find(|b| b.id == v.id) {
                None => Part::NewVisit,
                Some(b) if b.finalized => Part::SealedVisit,
                Some(_) => Part::OpenVisit,
            },
        },
        "findings" => match index(1).and_then(|i| after.findings.get(i)) {
            None if seg.len() == 1 => Part::NewFinding,
            None => Part::Unknown,
            Some(f) if before.findings.iter().any(|b| b.id == f.id) => Part::Finding,
            Some(_) => Part::NewFinding,
        },
        "review_notes" => {
            let Some(n) = index(1).and_then(|i| after.review_notes.get(i)) else {
                return if seg.len() == 1 {
                    Part::NewNote
                } else {
                    Part::Unknown
                };
            };
            let Some(old) = before.review_notes.iter().find(|b| b.id == n.id) else {
                return Part::NewNote;
            };
            match seg.get(2).copied() {
                Some("resolved") => Part::NoteResolution,
                Some("responses") => match index(3).and_then(|i| n.responses.get(i)) {
                    None if seg.len() == 3 => Part::NewResponse,
                    None => Part::Unknown,
                    Some(r) if old.responses.iter().any(|o| o.id == r.id) => Part::Response,
                    Some(_) => Part::NewResponse,
                },
                _ => Part::Note,
            }
        }
        _ => Part::Unknown,
    }
}

/// Operations by `actor` since `before_heads` on a part a team device may never write (the root
/// outside visits, findings and review notes; the header; the declared section), found by where
/// each operation's object sits in the document, whatever later operations did to its effect.
fn check_sections(
    doc: &mut CaseDocument,
    before_heads: &[ChangeHash],
    actor: ActorKey,
) -> Result<(), Violation> {
    let am = doc.automerge();
    let changes = am.get_changes(before_heads);
    let mut sections: BTreeMap<String, Option<String>> = BTreeMap::new();
    for change in changes {
        if !actor.matches(change.actor_id()) {
            continue;
        }
        for op in change.decode().operations {
            let section = match &op.obj {
                automerge::legacy::ObjectId::Root => match &op.key {
                    automerge::legacy::Key::Map(k) => Some(k.to_string()),
                    automerge::legacy::Key::Seq(_) => None,
                },
                automerge::legacy::ObjectId::Id(id) => {
                    let key = format!("{}@{}", id.counter(), id.actor());
                    if !sections.contains_key(&key) {
                        let top = am
                            .import_obj(&key)
                            .ok()
                            .and_then(|obj| top_section(am, &obj));
                        sections.insert(key.clone(), top);
                    }
                    sections[&key].clone()
                }
            };
            if let Some(s) =
                section.filter(|s| !matches!(s.as_str(), "visits" | "findings" | "review_notes"))
            {
                let part = match s.as_str() {
                    "header" => Part::Header,
                    "declared" => Part::Declared,
                    "case_id" | "schema_version" => Part::Identity,
                    _ => Part::Unknown,
                };
                return Err(forbidden(part, s));
            }
        }
    }
    Ok(())
}

/// The root key an object hangs under.
fn top_section(doc: &automerge::AutoCommit, obj: &ObjId) -> Option<String> {
    doc.parents(obj).ok()?.last().and_then(|p| match p.prop {
        Prop::Map(k) => Some(k.to_string()),
        Prop::Seq(_) => None,
    })
}

#[cfg(test)]
mod tests;
