//! Issue 11: the server is the one authority over a case. Against the real `jiuzhu-server` and
//! `jiuzhu-tablet` binaries: the command line refuses what the write policy refuses, in Chinese;
//! changes forged below the tablet's own check (written straight into its store with its actor,
//! as a modified app would) are refused by the server whole — the header, the declared section, a
//! sealed visit, a visit that does not reference the one it corrects, a visit taken out, the
//! review notes, a case not assigned — with the document and the projection unchanged, the device
//! marked and the refusal in the audit chain; honest visit work still merges; and a device taken
//! off the team sends and receives nothing more.

use jiuzhu_e2e::{
    ServerProcess, SimTablet, admin_add_assigned_case, admin_add_investigators, admin_cli as admin,
    tablet_cli as tablet, tablet_cli_output,
};
use jiuzhu_shared::{ActorKey, CaseDocument, CaseId};
use serde_json::{Value, json};
use std::path::Path;

/// A write made straight into the tablet's document, below its own policy check.
type Forgery = Box<dyn FnOnce(&mut CaseDocument)>;

/// A server with three investigators, a case of 王五 and 赵六 and a case of 赵六 and 钱七.
fn server_dir(dir: &Path) -> (std::path::PathBuf, String, String) {
    let data = dir.join("server");
    admin_add_investigators(&data, &["王五", "赵六", "钱七"]);
    let case = admin_add_assigned_case(&data, "AUTH-1", "王五,赵六");
    let other = admin_add_assigned_case(&data, "AUTH-2", "赵六,钱七");
    (data, case, other)
}

/// 王五's tablet, enrolled and synced once (it holds his case).
async fn wangwu_tablet(data: &Path, server: &ServerProcess) -> SimTablet {
    let mut t = SimTablet::new();
    let code = admin(data, &["enroll-code", "--user", "王五"]);
    let url = format!("https://{}", server.addr);
    t.tablet
        .enroll(&url, &code, Some(&server.fingerprint), "王五的平板")
        .await
        .unwrap();
    t.sync().await.unwrap();
    t
}

/// The case as the server keeps it: the merged document and its row in the projection.
fn server_side(data: &Path, case: &str) -> (Value, Value) {
    let export: Value =
        serde_json::from_str(&admin(data, &["export-case", "--case", case])).unwrap();
    let listed: Value = serde_json::from_str(&admin(data, &["list-cases"])).unwrap();
    let mut row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["case_id"] == json!(case))
        .cloned()
        .unwrap();
    row["updated_at"] = Value::Null;
    (export["document"].clone(), row)
}

fn actor(t: &SimTablet) -> ActorKey {
    t.tablet.identity().unwrap().actor.parse().unwrap()
}

/// Write a change into the tablet's store below its write-policy check: what a modified app, or
/// a tampered database, would send.
fn forge(t: &mut SimTablet, case: CaseId, f: impl FnOnce(&mut CaseDocument)) {
    let actor = actor(t);
    let mut doc = t
        .tablet
        .store()
        .load(case, actor)
        .unwrap()
        .unwrap_or_else(|| CaseDocument::empty(actor));
    let old = doc.heads();
    f(&mut doc);
    let now = jiuzhu_tablet_core::now_s();
    t.tablet
        .store_mut()
        .save_changes(case, &mut doc, &old, now)
        .unwrap();
}

/// A PNG signature.
fn png(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("sig.png");
    let mut bytes = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(40, 20, image::Rgba([0, 0, 0, 255]))
        .write_to(&mut bytes, image::ImageFormat::Png)
        .unwrap();
    std::fs::write(&p, bytes.into_inner()).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refuses_what_a_device_may_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let (data, case_s, other_s) = server_dir(dir.path());
    let case: CaseId = case_s.parse().unwrap();
    let other: CaseId = other_s.parse().unwrap();
    let server = ServerProcess::spawn(&data);
    let url = format!("https://{}", server.addr);

    // The command line: the three writes are refused on the tablet itself, in Chinese,
    // and nothing is committed.
    let home = dir.path().join("cli");
    let code = admin(&data, &["enroll-code", "--user", "王五"]);
    tablet(
        &home,
        &[
            "enroll",
            "--server",
            &url,
            "--code",
            &code,
            "--fingerprint",
            &server.fingerprint,
        ],
    );
    tablet(&home, &["sync"]);
    for (path, value, why) in [
        ("header.status", "investigation_accepted", "办理状态"),
        ("header.township", "展旦召苏木", "乡镇"),
        ("declared.members.0.name", "伪造", "申报"),
    ] {
        let out = tablet_cli_output(&home, &["set", "--case", &case_s, path, value]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{path} was accepted");
        assert!(err.contains(path) && err.contains(why), "{path}: {err}");
    }
    let shown = tablet(&home, &["show", "--case", &case_s]);
    assert_eq!(shown["header"]["status"], json!("investigating"));
    assert_eq!(
        shown["declared"]["members"][0]["name"],
        json!("申请人AUTH-1")
    );

    // A visit sealed honestly by the team: 王五's tablet lays it out, both investigators sign.
    let mut t = wangwu_tablet(&data, &server).await;
    for m in 0..2 {
        t.tablet
            .set(case, &format!("visits.0.members.{m}.present"), "false")
            .unwrap();
    }
    let sig = std::fs::read(png(dir.path())).unwrap();
    for name in ["王五", "赵六"] {
        t.tablet
            .sign(case, "investigator", name, None, &sig)
            .unwrap();
    }
    t.tablet.finalize(case).unwrap();
    let report = t.sync().await.unwrap();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let sealed = server_side(&data, &case_s);
    assert_eq!(sealed.0["visits"][0]["finalized"], json!(true));

    // Forged changes, each refused whole; the server keeps what it had.
    let forgeries: Vec<(&str, &str, Forgery)> = vec![
        (
            "header.status",
            "write_forbidden",
            Box::new(|d: &mut CaseDocument| {
                d.set_path("header.status", "investigation_accepted", 1)
                    .unwrap()
            }),
        ),
        (
            "header.township",
            "write_forbidden",
            Box::new(|d: &mut CaseDocument| {
                d.set_path("header.township", "展旦召苏木", 1).unwrap()
            }),
        ),
        (
            "declared",
            "write_forbidden",
            Box::new(|d: &mut CaseDocument| {
                d.set_path("declared.members.0.name", "伪造", 1).unwrap()
            }),
        ),
        (
            "a sealed visit",
            "write_forbidden",
            Box::new(|d: &mut CaseDocument| {
                d.set_path("visits.0.living.food", "靠救济", 1).unwrap()
            }),
        ),
        (
            "a visit correcting nothing",
            "correction_unreferenced",
            Box::new(|d: &mut CaseDocument| d.set_path("visits.1.method", "home", 1).unwrap()),
        ),
        (
            "a visit taken out",
            "write_forbidden",
            Box::new(|d: &mut CaseDocument| {
                d.update("drop the visit", 1, |c| {
                    c.visits.clear();
                    Ok(())
                })
                .unwrap()
            }),
        ),
        (
            "review notes",
            "write_forbidden",
            Box::new(|d: &mut CaseDocument| {
                d.set_path("review_notes.0.text", "已通过", 1).unwrap()
            }),
        ),
    ];
    let mut refusals = 0;
    for (what, code, f) in forgeries {
        forge(&mut t, case, f);
        let report = t.sync().await.unwrap();
        let r = report
            .refused
            .iter()
            .find(|r| r.doc == case)
            .unwrap_or_else(|| panic!("{what}: not refused: {report:?}"));
        assert_eq!(r.code, code, "{what}: {}", r.message);
        refusals += 1;
        assert_eq!(
            server_side(&data, &case_s),
            sealed,
            "{what}: the server kept nothing"
        );
        // The tablet set its refused version aside and holds the server's again.
        assert_eq!(report.set_aside, vec![case], "{what}");
        assert_eq!(
            t.show(case),
            sealed.0,
            "{what}: the tablet holds the server's case"
        );
        assert!(!t.tablet.store().set_aside(case).unwrap().is_empty());
    }

    // A case not assigned to this investigator.
    let before_other = server_side(&data, &other_s);
    forge(&mut t, other, |d| {
        d.set_path("visits.0.living.food", "自给", 1).unwrap()
    });
    let report = t.sync().await.unwrap();
    let r = report.refused.iter().find(|r| r.doc == other).unwrap();
    assert_eq!(r.code, "not_assigned");
    assert_eq!(server_side(&data, &other_s), before_other);

    // Honest work still merges: a correction of the sealed visit.
    t.tablet.start_correction(case).unwrap();
    t.tablet
        .set(case, "visits.1.living.housing", "砖房两间")
        .unwrap();
    let report = t.sync().await.unwrap();
    assert!(
        report.refused.iter().all(|r| r.doc != case),
        "{:?}",
        report.refused
    );
    let after = server_side(&data, &case_s).0;
    assert_eq!(after["visits"][1]["living"]["housing"], json!("砖房两间"));
    assert_eq!(after["visits"][1]["supersedes"], after["visits"][0]["id"]);

    // The device is marked, and the audit chain holds each refusal and still verifies.
    let devices: Value = serde_json::from_str(&admin(&data, &["list-devices"])).unwrap();
    let mine = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == json!("王五的平板"))
        .unwrap();
    assert_eq!(mine["refused_count"], json!(refusals));
    assert!(
        mine["refused_reason"]
            .as_str()
            .unwrap()
            .contains("review_notes")
    );
    drop(server);
    let store = jiuzhu_server::DataDir::new(&data)
        .unwrap()
        .open_store()
        .unwrap();
    let refused: Vec<_> = store
        .audit_for_case(case)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "refused_change")
        .collect();
    assert_eq!(refused.len(), refusals);
    let verify: Value = serde_json::from_str(&admin(&data, &["verify-audit"])).unwrap();
    assert_eq!(verify["ok"], json!(true), "{verify}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_taken_off_the_team_sends_and_receives_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let (data, case_s, _) = server_dir(dir.path());
    let case: CaseId = case_s.parse().unwrap();
    let server = ServerProcess::spawn(&data);
    let mut t = wangwu_tablet(&data, &server).await;
    // Work done before the removal, not yet sent.
    t.tablet
        .set(case, "visits.0.living.housing", "土坯房")
        .unwrap();
    admin(
        &data,
        &["assign", "--case", &case_s, "--users", "赵六,钱七"],
    );
    // Work dated after the removal (a tablet that kept editing a case no longer its own).
    let later = jiuzhu_tablet_core::now_s() + 3600;
    forge(&mut t, case, |d| {
        d.set_path("visits.0.living.food", "自给", later).unwrap()
    });
    let report = t.sync().await.unwrap();
    assert_eq!(report.withdrawn, vec![case]);
    let r = report.refused.iter().find(|r| r.doc == case).unwrap();
    assert_eq!(r.code, "not_assigned", "{}", r.message);
    let doc = server_side(&data, &case_s).0;
    assert!(
        doc["visits"][0]["living"]["food"].is_null(),
        "later work refused"
    );
    assert_eq!(doc["header"]["assigned_team"], json!(["赵六", "钱七"]));
    assert_eq!(
        t.show(case)["header"]["assigned_team"],
        json!(["王五", "赵六"]),
        "the removed device learned nothing new"
    );
    assert!(
        t.tablet.edit(case, |_, _| Ok(())).is_err(),
        "read-only on the tablet"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_done_before_the_removal_is_still_taken() {
    let dir = tempfile::tempdir().unwrap();
    let (data, case_s, _) = server_dir(dir.path());
    let case: CaseId = case_s.parse().unwrap();
    let server = ServerProcess::spawn(&data);
    let mut t = wangwu_tablet(&data, &server).await;
    t.tablet
        .set(case, "visits.0.living.housing", "土坯房")
        .unwrap();
    admin(
        &data,
        &["assign", "--case", &case_s, "--users", "赵六,钱七"],
    );
    let report = t.sync().await.unwrap();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert_eq!(
        report.dropped,
        vec![case],
        "dropped once its work was taken"
    );
    let doc = server_side(&data, &case_s).0;
    assert_eq!(doc["visits"][0]["living"]["housing"], json!("土坯房"));
}
