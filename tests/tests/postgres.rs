//! Issue 18 point 5: two `jiuzhu-server serve` processes on one PostgreSQL database serve the same
//! tablets. Run with `JIUZHU_TEST_DATABASE=postgres://user@host:port` (the test script does);
//! without it these tests say so and pass.

use jiuzhu_e2e::proxy::Proxy;
use jiuzhu_e2e::{
    ServerProcess, SimTablet, admin_add_assigned_case, admin_add_investigators, admin_cli as admin,
};
use jiuzhu_shared::CaseId;
use serde_json::Value;
use std::path::Path;

fn postgres_configured() -> bool {
    let on = jiuzhu_e2e::pg::server().is_some();
    if !on {
        eprintln!(
            "skipped: {} is not set, and two server processes need a shared PostgreSQL database",
            jiuzhu_e2e::pg::VAR
        );
    }
    on
}

/// Investigators 王五 and 赵六 and `n` cases assigned to both; then two server processes on the
/// data directory's database (they share the directory, so its certificate and blobs).
fn two_servers(data: &Path, n: usize) -> (Vec<CaseId>, ServerProcess, ServerProcess) {
    admin_add_investigators(data, &["王五", "赵六"]);
    let cases = (0..n)
        .map(|i| {
            admin_add_assigned_case(data, &format!("PG-{i}"), "王五,赵六")
                .parse()
                .unwrap()
        })
        .collect();
    let a = ServerProcess::spawn(data);
    let b = ServerProcess::spawn(data);
    assert_eq!(a.fingerprint, b.fingerprint, "one certificate for both");
    (cases, a, b)
}

async fn enrolled(data: &Path, url: &str, fingerprint: &str, user: &str) -> SimTablet {
    let code = admin(data, &["enroll-code", "--user", user]);
    let mut t = SimTablet::new();
    t.tablet
        .enroll(url, &code, Some(fingerprint), user)
        .await
        .expect("enroll");
    t
}

fn export(data: &Path, case: CaseId) -> Value {
    serde_json::from_str(&admin(data, &["export-case", "--case", &case.to_string()])).unwrap()
}

fn notes(doc: &Value) -> Vec<String> {
    let mut v: Vec<String> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["text"].as_str().expect("a note's text").to_string())
        .collect();
    v.sort();
    v
}

/// The server's document of every case is both tablets' document, and holds every note once; the
/// audit chain two processes appended to is one chain.
async fn converged(data: &Path, cases: &[CaseId], t: &mut [&mut SimTablet], expected: &[String]) {
    // A round answers what the tablet sent; the other tablet's work arrives at its next sync.
    for _ in 0..2 {
        for tablet in t.iter_mut() {
            tablet.sync().await.unwrap();
        }
    }
    for &case in cases {
        let server = export(data, case)["document"].clone();
        for tablet in t.iter() {
            assert_eq!(
                tablet.show(case),
                server,
                "the tablet holds the server's document"
            );
        }
        let mut want: Vec<String> = expected.iter().map(|n| format!("{n} {case}")).collect();
        want.sort();
        assert_eq!(notes(&server), want, "every note, once");
    }
    let report: Value = serde_json::from_str(&admin(data, &["verify-audit"])).unwrap();
    assert_eq!(report["ok"], true, "{report}");
}

/// One tablet syncing with one process then the other (the same address, which a load balancer
/// sends to either), the other tablet the opposite way: everything converges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_alternating_between_two_processes_converges() {
    if !postgres_configured() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (cases, a, b) = two_servers(data, 3);
    let (pw, pz) = (
        Proxy::start(a.addr).await.unwrap(),
        Proxy::start(b.addr).await.unwrap(),
    );
    let mut w = enrolled(
        data,
        &format!("https://{}", pw.addr()),
        &a.fingerprint,
        "王五",
    )
    .await;
    let mut z = enrolled(
        data,
        &format!("https://{}", pz.addr()),
        &a.fingerprint,
        "赵六",
    )
    .await;
    w.sync().await.unwrap();
    z.sync().await.unwrap();
    let mut expected = Vec::new();
    for round in 0..6 {
        let (first, second) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        pw.set_upstream(first.addr);
        pz.set_upstream(second.addr);
        for &case in &cases {
            w.tablet
                .note(case, &format!("王五-{round} {case}"))
                .unwrap();
            z.tablet
                .note(case, &format!("赵六-{round} {case}"))
                .unwrap();
        }
        w.sync().await.unwrap();
        z.sync().await.unwrap();
        expected.extend([format!("王五-{round}"), format!("赵六-{round}")]);
    }
    converged(data, &cases, &mut [&mut w, &mut z], &expected).await;
}

/// Two tablets editing the same case sync at the same moment, each through its own process: the
/// merges of the one document are serialised, none is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_syncs_of_one_case_through_two_processes_lose_nothing() {
    if !postgres_configured() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (cases, a, b) = two_servers(data, 2);
    let mut w = enrolled(data, &a.url(), &a.fingerprint, "王五").await;
    let mut z = enrolled(data, &b.url(), &b.fingerprint, "赵六").await;
    w.sync().await.unwrap();
    z.sync().await.unwrap();
    let mut expected = Vec::new();
    for round in 0..8 {
        for &case in &cases {
            w.tablet
                .note(case, &format!("王五-{round} {case}"))
                .unwrap();
            z.tablet
                .note(case, &format!("赵六-{round} {case}"))
                .unwrap();
        }
        w.tablet
            .set(cases[0], "visits.0.living.housing", &format!("砖房{round}"))
            .unwrap();
        z.tablet
            .set(cases[0], "visits.0.living.food", &format!("够吃{round}"))
            .unwrap();
        let (rw, rz) = tokio::join!(w.sync(), z.sync());
        rw.unwrap();
        rz.unwrap();
        expected.extend([format!("王五-{round}"), format!("赵六-{round}")]);
    }
    converged(data, &cases, &mut [&mut w, &mut z], &expected).await;
    let living = &export(data, cases[0])["document"]["visits"][0]["living"];
    assert_eq!(
        (living["housing"].as_str(), living["food"].as_str()),
        (Some("砖房7"), Some("够吃7")),
        "both tablets' last edits: {living}"
    );
}
