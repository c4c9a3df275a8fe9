//! What every [`Store`] must do, checked on each backend (`sqlite::tests`, `postgres::tests`).

use super::*;
use crate::audit::AuditEvent;

pub fn view(id: CaseId, photos: &[&str]) -> CaseView {
    CaseView {
        case_id: id,
        case_no: "C-1".into(),
        applicant: "申请人".into(),
        township: "树林召镇".into(),
        village: "王爱召嘎查".into(),
        status: "assigned".into(),
        visits: 1,
        findings: 0,
        photos: photos.iter().map(|p| p.to_string()).collect(),
        conflicts: Vec::new(),
        updated_at: 100,
        deadline: Some("2026-12-31".into()),
        team: vec!["王五".into()],
        open_notes: 0,
    }
}

fn append(store: &dyn Store, id: CaseId, chunk: &[u8], snapshot: Option<&[u8]>, photos: &[&str]) {
    store
        .transact(&mut |t| t.append_doc(id, chunk, snapshot, &view(id, photos)))
        .unwrap();
}

fn flow(case: CaseId, state: &str) -> Item {
    Item {
        kind: "flow".into(),
        id: case.to_string(),
        case_id: Some(case.to_string()),
        body: serde_json::json!({ "state": state, "township": "树林召镇" }),
        at: 100,
    }
}

pub fn users_and_enrollment(store: &dyn Store) {
    let u = store
        .add_user("王五", Role::Investigator, "树林召镇", 1)
        .unwrap();
    assert!(matches!(
        store.add_user("王五", Role::Lead, "树林召镇", 1),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.user_by_name("王五").unwrap().unwrap().id, u.id);
    store.add_enroll_code(u.id, "code", 50).unwrap();
    let dev = |n: u8| NewDevice {
        id: DeviceId::new(),
        name: format!("平板-{n}"),
        token_hash: format!("token-{n}"),
        actor: ActorKey::random(),
        app_version: "1".into(),
    };
    let d = store.enroll("code", 10, dev(1)).unwrap().unwrap();
    assert_eq!((d.user_name.as_str(), d.refused_count), ("王五", 0));
    assert_eq!(
        store.enroll("code", 11, dev(2)).unwrap().err(),
        Some(EnrollError::Used)
    );
    assert_eq!(
        store.enroll("none", 11, dev(3)).unwrap().err(),
        Some(EnrollError::Unknown)
    );
    store.add_enroll_code(u.id, "late", 50).unwrap();
    assert_eq!(
        store.enroll("late", 50, dev(4)).unwrap().err(),
        Some(EnrollError::Expired)
    );
    assert_eq!(store.device_by_token("token-1").unwrap().unwrap().id, d.id);
    assert!(store.revoke_device(d.id, 20).unwrap());
    assert!(!store.revoke_device(d.id, 21).unwrap());
    let owner = store.actor_owner(&d.actor.to_string()).unwrap();
    assert_eq!(owner.as_deref(), Some("device 平板-1 (王五)"));
    let server = store.server_actor().unwrap().to_string();
    assert_eq!(
        store.actor_owner(&server).unwrap().as_deref(),
        Some("server")
    );
}

pub fn documents_assignments_and_the_change_sequence(store: &dyn Store) {
    let u = store
        .add_user("赵六", Role::Investigator, "树林召镇", 1)
        .unwrap();
    let id = CaseId::new();
    let seq0 = store.change_seq().unwrap();
    append(store, id, b"one", None, &[]);
    append(store, id, b"two", None, &["photo-1"]);
    assert!(store.change_seq().unwrap() >= seq0 + 2);
    store
        .transact(&mut |t| {
            assert_eq!(t.load_doc(id)?.as_deref(), Some(&b"onetwo"[..]));
            assert_eq!(t.chunk_count(id)?, 2);
            assert_eq!(t.load_doc(CaseId::new())?, None);
            Ok(())
        })
        .unwrap();
    // Compaction: one snapshot instead of the chunks.
    append(store, id, b"three", Some(b"onetwothree"), &["photo-1"]);
    store
        .transact(&mut |t| {
            assert_eq!(t.load_doc(id)?.as_deref(), Some(&b"onetwothree"[..]));
            assert_eq!(t.chunk_count(id)?, 1);
            Ok(())
        })
        .unwrap();
    assert_eq!(
        store.case_view(id).unwrap().unwrap(),
        view(id, &["photo-1"])
    );
    assert_eq!(store.list_cases().unwrap().len(), 1);

    // Assignment: announced once after the cursor, withdrawn later.
    assert!(!store.blob_expected_from(u.id, "photo-1").unwrap());
    let mut cursor = 0;
    store
        .transact(&mut |t| {
            t.set_assignment(id, &[u.id], 5)?;
            cursor = t.current_seq()?;
            Ok(())
        })
        .unwrap();
    assert_eq!(
        cursor,
        store.change_seq().unwrap(),
        "the cursor is the commit's"
    );
    assert!(store.blob_expected_from(u.id, "photo-1").unwrap());
    assert!(!store.blob_expected_from(u.id, "photo-2").unwrap());
    store
        .transact(&mut |t| {
            let a = t.announcements(u.id, 0)?;
            assert_eq!((a.changed, a.assigned), (vec![id], vec![id]));
            let a = t.announcements(u.id, cursor)?;
            assert!(a.changed.is_empty() && a.assigned.is_empty());
            assert_eq!(t.team(id)?, vec!["赵六".to_string()]);
            assert!(t.assignment(u.id, id)?.unwrap().active);
            Ok(())
        })
        .unwrap();
    append(store, id, b"four", None, &[]);
    store
        .transact(&mut |t| {
            assert_eq!(t.announcements(u.id, cursor)?.changed, vec![id]);
            t.set_assignment(id, &[], 6)
        })
        .unwrap();
    store
        .transact(&mut |t| {
            let a = t.announcements(u.id, cursor)?;
            assert_eq!(a.withdrawn, vec![id]);
            let a = t.assignment(u.id, id)?.unwrap();
            assert_eq!((a.active, a.changed_at), (false, Some(6)));
            Ok(())
        })
        .unwrap();

    // A new blob moves the sequence, a known one does not.
    let before = store.change_seq().unwrap();
    store.add_blob("photo-1", 10, 7).unwrap();
    store.add_blob("photo-1", 10, 8).unwrap();
    assert_eq!(store.change_seq().unwrap(), before + 1);
    assert!(store.blob_present("photo-1").unwrap());
}

pub fn a_failed_transaction_writes_nothing(store: &dyn Store) {
    let id = CaseId::new();
    let seq = store.change_seq().unwrap();
    let r = store.transact(&mut |t| {
        t.append_doc(id, b"lost", None, &view(id, &[]))?;
        t.put_item(&flow(id, "submitted"))?;
        t.audit(&AuditEvent::new(
            1,
            "admin",
            "merge",
            None,
            serde_json::json!({}),
        ))?;
        Err(StoreError::Conflict("no".into()))
    });
    assert!(r.is_err());
    assert_eq!(store.change_seq().unwrap(), seq);
    assert!(store.case_view(id).unwrap().is_none());
    assert!(store.item("flow", &id.to_string()).unwrap().is_none());
    assert_eq!(store.verify_audit(&mut |_| {}).unwrap(), Ok(0));
}

pub fn items_and_flow_summaries(store: &dyn Store) {
    let id = CaseId::new();
    append(store, id, b"doc", None, &[]);
    let summary = FlowSummary {
        state: State::Submitted,
        due: Some("2026-12-31".parse().unwrap()),
        calendar_days: true,
        config: "cfg".into(),
    };
    store
        .transact(&mut |t| {
            t.put_item(&flow(id, "submitted"))?;
            t.put_flow_summary(id, &summary)
        })
        .unwrap();
    let rows = store.list_cases_with_flow().unwrap();
    assert_eq!(rows[0].1.as_ref(), Some(&summary));
    // Writing the flow again drops the summary, whatever writes it.
    store
        .transact(&mut |t| t.put_item(&flow(id, "accepted")))
        .unwrap();
    assert_eq!(store.list_cases_with_flow().unwrap()[0].1, None);
    store
        .transact(&mut |t| {
            t.put_flow_summary(id, &summary)?;
            t.delete_item("flow", &id.to_string())
        })
        .unwrap();
    assert_eq!(store.list_cases_with_flow().unwrap()[0].1, None);

    let other = CaseId::new();
    store
        .transact(&mut |t| {
            t.put_item(&flow(id, "publicity"))?;
            t.put_item(&flow(other, "publicity"))?;
            assert_eq!(t.count_items("flow")?, 2);
            assert_eq!(
                t.item("flow", &other.to_string())?.unwrap().body["state"],
                "publicity"
            );
            Ok(())
        })
        .unwrap();
    let found = store
        .items_in_state("flow", Some("树林召镇"), &["publicity", "decided"], 10)
        .unwrap();
    let mut ids = vec![id.to_string(), other.to_string()];
    ids.sort();
    assert_eq!(found.iter().map(|i| i.id.clone()).collect::<Vec<_>>(), ids);
    assert!(
        store
            .items_in_state("flow", Some("别处"), &["publicity"], 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .items_in_state("flow", None, &["publicity"], 1)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store.items("flow", Some(&other.to_string())).unwrap().len(),
        1
    );
    // The sieve: a text anywhere in the stored JSON, ASCII letters in either case.
    let hits = |text: &str| -> Vec<String> {
        let found = store.items_containing("flow", text).unwrap();
        found.into_iter().map(|i| i.id).collect()
    };
    assert_eq!(hits("PUBLICITY").len(), 2);
    assert_eq!(hits("树林召").len(), 2);
    assert!(hits("no such text").is_empty());
    assert!(
        store
            .items_containing("notice", "publicity")
            .unwrap()
            .is_empty()
    );

    // Whatever a user typed is kept as typed, U+0000 included (PostgreSQL's text refuses it).
    let typed = Item {
        kind: "flag".into(),
        id: "typed".into(),
        case_id: None,
        body: serde_json::json!({ "reason": "a\u{0}b", "state": "x\u{0}" }),
        at: 1,
    };
    store.transact(&mut |t| t.put_item(&typed)).unwrap();
    assert_eq!(store.item("flag", "typed").unwrap(), Some(typed));
}

pub fn the_audit_chain(store: &dyn Store) {
    let id = CaseId::new();
    let ev = |a: &str| AuditEvent::new(1, "admin", a, Some(id.to_string()), serde_json::json!({}));
    store.audit(&ev("view_case")).unwrap();
    store
        .transact(&mut |t| {
            t.audit(&ev("merge"))?;
            t.audit(&ev("assign"))
        })
        .unwrap();
    assert_eq!(store.verify_audit(&mut |_| {}).unwrap(), Ok(3));
    let actions: Vec<String> = store
        .audit_for_case(id)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["view_case", "merge", "assign"]);
}

pub fn sessions(store: &dyn Store) {
    let u = store
        .add_user("张海燕", Role::Caseworker, "树林召镇", 1)
        .unwrap();
    store.set_password(u.id, "hash").unwrap();
    assert_eq!(store.password_hash(u.id).unwrap().as_deref(), Some("hash"));
    store.create_session("s", u.id, 100, 1000).unwrap();
    assert!(store.session_user("s", 200, 50, true).unwrap().is_some());
    assert!(
        store.session_user("s", 2000, 50, true).unwrap().is_none(),
        "expired"
    );
    store.set_disabled(u.id, Some(300)).unwrap();
    assert!(
        store.session_user("s", 400, 50, true).unwrap().is_none(),
        "ended"
    );
    assert_eq!(store.password_hash(u.id).unwrap(), None);
    let a = store.user_actor(u.id).unwrap();
    assert_eq!(store.user_actor(u.id).unwrap(), a, "made once");
}

/// Every check above, each on a fresh store from `fresh`.
pub fn all(fresh: &mut dyn FnMut() -> Box<dyn Store>) {
    users_and_enrollment(fresh().as_ref());
    documents_assignments_and_the_change_sequence(fresh().as_ref());
    a_failed_transaction_writes_nothing(fresh().as_ref());
    items_and_flow_summaries(fresh().as_ref());
    the_audit_chain(fresh().as_ref());
    sessions(fresh().as_ref());
}
