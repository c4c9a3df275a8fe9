//! The write policy, row by row: for each part a write that touches it, tried by every writer,
//! allowed exactly for the writers the table names; then the seal, authorship and correction
//! rules, and what only the Automerge document shows (concurrent values, keys outside the schema,
//! an operation undone in the same message).

use super::*;
use crate::schema::{Finding, NoteResponse, ReviewNote, Signature, VerifiedMember};
use automerge::ROOT;
use automerge::transaction::Transactable;

const TEAM: [&str; 2] = ["王磊", "李娜"];

fn team() -> Vec<String> {
    TEAM.iter().map(|s| s.to_string()).collect()
}

fn grants() -> Vec<Grant> {
    vec![
        Grant::server(),
        Grant::console("王磊"),
        Grant::team("王磊", &team()),
    ]
}

/// A visit sealed properly by the team, with one member present who signed.
fn sealed_visit(id: &str) -> Visit {
    let mut v = Visit::new("home", team(), 1);
    v.id = id.into();
    v.members.push(VerifiedMember {
        id: format!("{id}-m1"),
        status: "present".into(),
        present: Some(true),
        ..Default::default()
    });
    v.living.food = Some("自给".into());
    seal(&mut v, &team(), Some(&format!("{id}-m1")));
    v
}

/// Sign (by `signers` and the member `member`) and seal `v`.
fn seal(v: &mut Visit, signers: &[String], member: Option<&str>) {
    let hash = v.content_hash();
    v.signatures = signers
        .iter()
        .map(|n| Signature {
            id: format!("sig-{n}"),
            role: "investigator".into(),
            name: n.clone(),
            content_hash: Some(hash.clone()),
            ..Default::default()
        })
        .chain(member.map(|m| Signature {
            id: "sig-member".into(),
            role: "member".into(),
            name: "巴特尔".into(),
            member_id: Some(m.into()),
            content_hash: Some(hash.clone()),
            ..Default::default()
        }))
        .collect();
    v.finalized = true;
    v.finalized_at = Some(2);
    v.content_hash = Some(hash);
}

fn base() -> CaseDoc {
    let mut c = CaseDoc {
        case_id: "case-1".into(),
        schema_version: 1,
        ..Default::default()
    };
    c.header.status = "investigating".into();
    c.header.township = "树林召镇".into();
    c.header.assigned_team = team();
    c.declared.members.push(crate::schema::DeclaredMember {
        id: "d1".into(),
        name: "巴特尔".into(),
        ..Default::default()
    });
    c.visits.push(sealed_visit("v1"));
    let mut open = Visit::new("home", team(), 3);
    open.id = "v2".into();
    open.supersedes = Some("v1".into());
    c.visits.push(open);
    c.findings.push(Finding {
        id: "f1".into(),
        text: "院内养羊二十只".into(),
        by: "王磊".into(),
        ..Default::default()
    });
    c.review_notes.push(ReviewNote {
        id: "n1".into(),
        text: "请补充住房面积".into(),
        by: "张海燕".into(),
        responses: vec![NoteResponse {
            id: "r1".into(),
            text: "已补充".into(),
            by: "王磊".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    c
}

/// A write touching `part` (and nothing else the table reserves).
fn touching(part: Part) -> CaseDoc {
    let mut c = base();
    match part {
        Part::Identity => c.case_id = "case-2".into(),
        Part::Header => c.header.status = "approved".into(),
        Part::Declared => c.declared.members[0].name = "伪造".into(),
        Part::NewVisit => {
            let mut v = Visit::new("home", team(), 4);
            v.id = "v3".into();
            v.supersedes = Some("v1".into());
            c.visits.push(v);
        }
        Part::OpenVisit => c.visits[1].living.housing = Some("土坯房".into()),
        Part::SealedVisit => c.visits[0].living.food = Some("靠救济".into()),
        Part::NewFinding => c.findings.push(Finding {
            id: "f2".into(),
            text: "邻居称常年外出务工".into(),
            by: "王磊".into(),
            ..Default::default()
        }),
        Part::Finding => c.findings[0].text = "院内养羊五只".into(),
        Part::NewNote => c.review_notes.push(ReviewNote {
            id: "n2".into(),
            text: "请核实车辆".into(),
            by: "王磊".into(),
            ..Default::default()
        }),
        Part::Note => c.review_notes[0].text = "无需补充".into(),
        Part::NoteResolution => c.review_notes[0].resolved = true,
        Part::NewResponse => c.review_notes[0].responses.push(NoteResponse {
            id: "r2".into(),
            text: "面积45平方米".into(),
            by: "王磊".into(),
            ..Default::default()
        }),
        Part::Response => c.review_notes[0].responses[0].text = "未补充".into(),
        Part::Removal => {
            c.findings.clear();
        }
        Part::Unknown => unreachable!("only a raw document write reaches outside the schema"),
    }
    c
}

#[test]
fn every_row_allows_exactly_its_writers() {
    let before = base();
    for rule in POLICY.iter().filter(|r| r.part != Part::Unknown) {
        let after = touching(rule.part);
        let parts: Vec<Part> = touched(&before, &after)
            .unwrap()
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(parts, vec![rule.part], "the scenario for {:?}", rule.part);
        for g in grants() {
            let r = check(&before, &after, &g);
            if rule.writers.contains(&g.writer) {
                assert_eq!(r, Ok(()), "{:?} by {:?}", rule.part, g.writer);
            } else {
                let e = r.unwrap_err();
                assert_eq!(
                    (e.code, e.part),
                    ("write_forbidden", rule.part),
                    "{:?} by {:?}",
                    rule.part,
                    g.writer
                );
                assert_eq!(e.zh, rule.zh);
            }
        }
    }
    // Every part has exactly one row.
    let mut parts: Vec<Part> = POLICY.iter().map(|r| r.part).collect();
    parts.sort();
    parts.dedup();
    assert_eq!(parts.len(), POLICY.len());
}

#[test]
fn the_issue_s_three_tablet_writes_are_refused() {
    let before = base();
    let team = Grant::team("王磊", &team());
    for (path, f) in [
        (
            "header.status",
            (|c: &mut CaseDoc| c.header.status = "investigation_accepted".into())
                as fn(&mut CaseDoc),
        ),
        ("header.township", |c| {
            c.header.township = "展旦召苏木".into()
        }),
        ("declared.members.0.name", |c| {
            c.declared.members[0].name = "伪造".into()
        }),
    ] {
        let mut after = before.clone();
        f(&mut after);
        let e = check(&before, &after, &team).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), ("write_forbidden", path));
    }
}

#[test]
fn a_seal_must_hold_together() {
    let before = base();
    let grant = Grant::team("王磊", &team());
    let sealed = |f: &dyn Fn(&mut Visit)| {
        let mut after = before.clone();
        let v = &mut after.visits[1];
        v.members.push(VerifiedMember {
            id: "v2-m1".into(),
            status: "present".into(),
            present: Some(true),
            ..Default::default()
        });
        seal(v, &team(), Some("v2-m1"));
        f(v);
        check(&before, &after, &grant)
    };
    assert_eq!(sealed(&|_| {}), Ok(()));
    let refused = |f: &dyn Fn(&mut Visit), why: &str| {
        let e = sealed(f).unwrap_err();
        assert_eq!(e.code, "seal_invalid", "{why}");
        assert!(e.zh.contains(why), "{}", e.zh);
    };
    refused(&|v| v.living.food = Some("改过".into()), "内容与其摘要不符");
    refused(
        &|v| v.signatures[0].content_hash = Some("0".repeat(64)),
        "不是对封存时的调查内容所签",
    );
    refused(
        &|v| {
            v.investigators.push("张三".into());
            seal(v, &["王磊".into(), "张三".into()], None)
        },
        "张三不是本案调查组成员",
    );
    refused(
        &|v| {
            v.members[0].present = Some(false);
            seal(v, &team(), Some("v2-m1"))
        },
        "不是本次调查在场的家庭成员",
    );
    refused(&|v| seal(v, &team()[..1], None), "至少两名调查员");
}

#[test]
fn authorship_corrections_and_duplicate_rows() {
    let before = base();
    let grant = Grant::team("王磊", &team());
    let mut after = touching(Part::NewFinding);
    after.findings[1].by = "李娜".into();
    assert_eq!(
        check(&before, &after, &grant).unwrap_err().code,
        "wrong_author"
    );
    // The server writes findings for others (a scheduled review notes why it was opened).
    assert_eq!(check(&before, &after, &Grant::server()), Ok(()));
    let mut after = touching(Part::NewResponse);
    after.review_notes[0].responses[1].by = "李娜".into();
    assert_eq!(
        check(&before, &after, &grant).unwrap_err().code,
        "wrong_author"
    );

    let mut after = touching(Part::NewVisit);
    after.visits[2].supersedes = None;
    assert_eq!(
        check(&before, &after, &grant).unwrap_err().code,
        "correction_unreferenced"
    );
    after.visits[2].supersedes = Some("v2".into());
    assert_eq!(
        check(&before, &after, &grant).unwrap_err().code,
        "correction_unreferenced",
        "an open visit is not something a correction corrects"
    );

    let mut after = before.clone();
    after.findings.push(after.findings[0].clone());
    assert_eq!(
        check(&before, &after, &grant).unwrap_err().code,
        "duplicate_row"
    );
}

#[test]
fn a_field_gaining_its_default_value_changes_nothing() {
    let before = base();
    let mut after = before.clone();
    after.header.flags = Vec::new();
    after.header.deadline = None;
    assert!(touched(&before, &after).unwrap().is_empty());
}

// Document-level checks: what only the Automerge data shows.

fn server_doc() -> (CaseDocument, ActorKey) {
    let server = ActorKey::random();
    (CaseDocument::create(&base(), server, 10).unwrap(), server)
}

fn fork_as(doc: &mut CaseDocument, actor: ActorKey) -> CaseDocument {
    CaseDocument::from_automerge(doc.automerge().fork().with_actor(actor.to_actor_id()))
}

/// Merge the device's document into the server's and judge what arrived.
fn receive(
    server: &mut CaseDocument,
    device: &mut CaseDocument,
    actor: ActorKey,
) -> Result<(), CheckError> {
    let before = server.heads();
    server.automerge().merge(device.automerge()).unwrap();
    check_change(server, &before, actor, &Grant::team("王磊", &team())).map(|_| ())
}

#[test]
fn an_open_visit_edit_merges_and_a_sealed_one_does_not() {
    let (mut s, _) = server_doc();
    let a = ActorKey::random();
    let mut t = fork_as(&mut s, a);
    t.set_path("visits.1.living.housing", "土坯房", 20).unwrap();
    receive(&mut s, &mut t, a).unwrap();

    let mut t = fork_as(&mut s, a);
    t.set_path("visits.0.living.food", "靠救济", 21).unwrap();
    match receive(&mut s, &mut t, a) {
        Err(CheckError::Refused(v)) => assert_eq!(v.part, Part::SealedVisit),
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_tablets_editing_one_field_of_an_open_visit_may_conflict() {
    let (mut s, _) = server_doc();
    let (a, b) = (ActorKey::random(), ActorKey::random());
    let mut t1 = fork_as(&mut s, a);
    let mut t2 = fork_as(&mut s, b);
    t1.set_path("visits.1.living.housing", "土坯房", 20)
        .unwrap();
    t2.set_path("visits.1.living.housing", "砖房", 20).unwrap();
    receive(&mut s, &mut t1, a).unwrap();
    receive(&mut s, &mut t2, b).unwrap();
    assert_eq!(s.conflicts().len(), 1);
}

#[test]
fn a_losing_concurrent_header_value_is_refused() {
    let (mut s, _) = server_doc();
    let a = ActorKey::random();
    let mut t = fork_as(&mut s, a);
    // The server and a tablet write the status at once; whichever wins, the tablet's value would
    // sit beside it as a conflict the console could be talked into choosing.
    s.update("workflow", 20, |c| {
        c.header.status = "prelim_opinion".into();
        Ok(())
    })
    .unwrap();
    let h = header(&mut t);
    t.automerge().put(&h, "status", "approved").unwrap();
    t.automerge().commit();
    match receive(&mut s, &mut t, a) {
        Err(CheckError::Refused(v)) => assert_eq!(v.part, Part::Header, "{v}"),
        other => panic!("{other:?}"),
    }
}

fn header(d: &mut CaseDocument) -> ObjId {
    match d.automerge().get(ROOT, "header").unwrap() {
        Some((automerge::Value::Object(_), id)) => id,
        _ => panic!("no header"),
    }
}

#[test]
fn a_header_write_undone_in_the_same_message_is_still_refused() {
    let (mut s, _) = server_doc();
    let a = ActorKey::random();
    let mut t = fork_as(&mut s, a);
    let h = header(&mut t);
    t.automerge().put(&h, "status", "approved").unwrap();
    t.automerge().commit();
    t.automerge().put(&h, "status", "investigating").unwrap();
    t.automerge().commit();
    match receive(&mut s, &mut t, a) {
        Err(CheckError::Refused(v)) => {
            assert_eq!((v.part, v.path.as_str()), (Part::Header, "header"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn keys_outside_the_schema_are_refused_for_everybody() {
    let (mut s, _) = server_doc();
    let a = ActorKey::random();
    let mut t = fork_as(&mut s, a);
    t.automerge().put(ROOT, "notes_to_self", "x").unwrap();
    t.automerge().commit();
    match receive(&mut s, &mut t, a) {
        Err(CheckError::Refused(v)) => assert_eq!(v.part, Part::Unknown),
        other => panic!("{other:?}"),
    }
    // Inside a visit too, and for the server's own writes.
    let (mut s, server) = server_doc();
    let before = s.heads();
    let v = match s.automerge().get(ROOT, "visits").unwrap() {
        Some((_, list)) => match s.automerge().get(&list, 1).unwrap() {
            Some((_, v)) => v,
            None => panic!(),
        },
        None => panic!(),
    };
    s.automerge().put(&v, "gossip", "x").unwrap();
    s.automerge().commit();
    match check_change(&mut s, &before, server, &Grant::server()) {
        Err(CheckError::Refused(v)) => assert_eq!(
            (v.part, v.path.as_str()),
            (Part::Unknown, "visits.1.gossip")
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_tablet_edit_never_writes_the_header_even_when_it_lacks_a_newer_field() {
    let (mut s, _) = server_doc();
    // An older document: the header has no `flags` yet.
    let h = header(&mut s);
    s.automerge().delete(&h, "flags").unwrap();
    s.automerge().commit();
    let a = ActorKey::random();
    let mut t = fork_as(&mut s, a);
    t.update("edit visit", 20, |c| {
        c.visits[1].living.clothing = Some("简朴".into());
        Ok(())
    })
    .unwrap();
    receive(&mut s, &mut t, a).unwrap();
}
