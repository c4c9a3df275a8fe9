//! Levels (issue 18 point 1) in one process, where the station's console and the banner's records
//! can be looked at directly: a station enrolled with a one-time code, its console reading and
//! forwarding workflow actions to the banner — taken there once, or refused with the engine's
//! reason —, and everything a station may not do refused at the banner. The same path with the
//! real binaries in separate network namespaces, a cut uplink and a tablet syncing only at the
//! station is `a_visit_synced_only_with_the_station_reaches_the_banner_and_a_decision_comes_back`
//! in tests/tests/netns.rs.

use jiuzhu_e2e::{
    CONSOLE_PASSWORD, Console, SentCodes, SimTablet, TOWNSHIP, TestServer, case_json,
};
use jiuzhu_server::clock::now;
use jiuzhu_server::levels::{banner, uplink, wire};
use jiuzhu_server::store::Store;
use jiuzhu_shared::{ActorKey, CaseDocument, CaseId};
use jiuzhu_tablet_core::net::Client;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let t0 = Instant::now();
    while !check().await {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "waited 30 s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Station {
    _dir: tempfile::TempDir,
    running: jiuzhu_server::Running,
    store: Arc<dyn Store>,
    up: uplink::Upstream,
}

/// A station of 树林召镇 enrolled with `banner`, its uplink running every 200 ms.
async fn station(banner: &TestServer) -> Station {
    let code = banner::add_station_code(banner.store.as_ref(), TOWNSHIP, now()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let up = uplink::enroll(
        dir.path(),
        &banner.url(),
        &code,
        Some(&banner.fingerprint()),
        "站-1",
    )
    .await
    .unwrap();
    assert_eq!(up.township, TOWNSHIP);
    // The code works once.
    let again = uplink::enroll(
        dir.path(),
        &banner.url(),
        &code,
        Some(&banner.fingerprint()),
        "站-2",
    )
    .await
    .unwrap_err();
    assert!(again.to_string().contains("unknown or was used"), "{again}");
    // A station keeps its copy in SQLite, whichever store the banner has (the suite's PostgreSQL
    // pass gives the banner its own database).
    let data = jiuzhu_server::DataDir::new(dir.path()).unwrap();
    let running = jiuzhu_server::start_at_level(
        &data,
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        None,
        None,
        jiuzhu_server::sync_engine::DEFAULT_LEASE_SECS,
        Arc::new(SentCodes::default()),
        Some((up.clone(), Duration::from_millis(200))),
    )
    .await
    .unwrap();
    let store = data.open_store().unwrap();
    Station {
        _dir: dir,
        running,
        store,
        up,
    }
}

fn team_of(store: &dyn Store, case: CaseId) -> Vec<String> {
    let mut t: Vec<String> = store
        .assigned_users(case)
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    t.sort();
    t
}

/// A finding written with `actor` on the banner's copy of `case`: the changes as bytes.
fn forged_changes(store: &dyn Store, case: CaseId, actor: ActorKey) -> Vec<u8> {
    let mut bytes = None;
    store
        .transact(&mut |txn| {
            bytes = txn.load_doc(case)?;
            Ok(())
        })
        .unwrap();
    let mut doc = CaseDocument::load(&bytes.unwrap(), actor).unwrap();
    let old = doc.heads();
    doc.add_finding("冒名的发现", "王五", now()).unwrap();
    doc.automerge().save_after(&old)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_reads_forwards_actions_once_and_the_banner_refuses_what_it_may_not_do() {
    let banner = TestServer::start().await;
    for name in ["王五", "赵六", "孙八"] {
        banner.add_investigator(name);
    }
    banner.add_console_user("李组长", "lead", TOWNSHIP);
    let case = banner.add_case("LV-2", &["王五", "赵六"]);
    let elsewhere = banner.add_case_json(&case_json("LV-3").replace(TOWNSHIP, "王爱召镇"));
    let st = station(&banner).await;
    wait_for("the case at the station", async || {
        st.store.case_view(case).unwrap().is_some()
    })
    .await;
    assert!(
        st.store.case_view(elsewhere).unwrap().is_none(),
        "another township's case stays at the banner"
    );
    assert_eq!(team_of(st.store.as_ref(), case), ["王五", "赵六"]);

    // The township lead signs in at the station with the password the banner knows.
    let mut c = Console::at(&st.running.url(), &st.running.fingerprint);
    assert_eq!(c.login("李组长", CONSOLE_PASSWORD).await, 200);
    let (status, level) = c.get("/api/console/level").await;
    assert_eq!(status, 200);
    assert_eq!(level["level"], "station");
    assert_eq!(level["township"], TOWNSHIP);
    // What the station cannot forward is refused, saying where to do it.
    let (status, refused) = c
        .post("/api/console/enroll-codes", json!({ "user": "王五" }))
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("station_read_only")),
        "{refused}"
    );

    // A team change taken at the station is queued, then taken at the banner as the lead.
    let path = format!("/api/console/cases/{case}/workflow");
    let (status, w) = c
        .post(
            &path,
            json!({ "action": "change_team", "team": ["王五", "赵六", "孙八"], "reason": "增派调查员" }),
        )
        .await;
    assert_eq!(status, 200, "{w}");
    assert!(w["forwarded"]["id"].is_string(), "{w}");
    wait_for("the team change at the banner", async || {
        team_of(banner.store.as_ref(), case).len() == 3
    })
    .await;
    wait_for("the new team at the station", async || {
        team_of(st.store.as_ref(), case).len() == 3
    })
    .await;
    // A stale action (the investigation started long ago) comes back with the engine's reason.
    let (status, _) = c
        .post(
            &path,
            json!({ "action": "start_investigation", "team": ["王五", "赵六"] }),
        )
        .await;
    assert_eq!(status, 200);
    let mut outcomes = Value::Null;
    wait_for("both outcomes at the station", async || {
        outcomes = c.get("/api/console/level").await.1["forwarded"].clone();
        outcomes
            .as_array()
            .is_some_and(|a| a.iter().all(|f| f["state"] != "queued"))
    })
    .await;
    let by_action = |a: &str| {
        outcomes
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["action"] == a)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_action("change_team")["state"], "done");
    let stale = by_action("start_investigation");
    assert_eq!(stale["state"], "refused", "{stale}");
    assert!(stale["message"].as_str().is_some_and(|m| !m.is_empty()));
    // Taken once, though rounds went on: one change_team record at the banner.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let wf = jiuzhu_server::workflow::flows::records(banner.store.as_ref(), case).unwrap();
    let changes = wf
        .iter()
        .filter(|r| r.action == jiuzhu_shared::workflow::Action::ChangeTeam)
        .count();
    assert_eq!(changes, 1, "{wf:?}");

    // The station's credential, used as an attacker would.
    let mut client = Client::new(
        &banner.url(),
        Some(&banner.fingerprint()),
        Some(st.up.token.clone()),
    )
    .unwrap();
    let round = |up: Vec<wire::Changes>| {
        wire::encode(&wire::Round {
            v: wire::STATION_VERSION,
            up,
            ..Default::default()
        })
    };
    let post = async |client: &mut Client, body: Vec<u8>| -> wire::Answer {
        let (status, bytes) = client
            .request(
                "POST".parse().unwrap(),
                "/api/v1/station/round",
                body,
                false,
            )
            .await
            .unwrap();
        assert_eq!(status, 200);
        wire::decode(&bytes).unwrap()
    };
    // Changes to another township's case are refused…
    let sun = SimTablet::enrolled(&banner, &banner.url(), "孙八").await;
    let sun: ActorKey = sun.tablet.identity().unwrap().actor.parse().unwrap();
    let other = forged_changes(banner.store.as_ref(), elsewhere, sun);
    let a = post(
        &mut client,
        round(vec![wire::Changes {
            case: elsewhere,
            bytes: other,
        }]),
    )
    .await;
    assert_eq!(a.refused.len(), 1);
    assert_eq!(a.refused[0].code, "not_assigned");
    // …and so are changes written by no device of the case's team.
    let stranger = forged_changes(banner.store.as_ref(), case, ActorKey::random());
    let a = post(
        &mut client,
        round(vec![wire::Changes {
            case,
            bytes: stranger,
        }]),
    )
    .await;
    assert_eq!(a.refused[0].code, "foreign_actor", "{:?}", a.refused);
    let doc = banner.export(case);
    assert!(
        doc["document"]["findings"].as_array().unwrap().is_empty(),
        "nothing of either was stored"
    );
    // Another township's blobs and an unknown credential get nothing.
    let hash = "ab".repeat(32);
    let (status, _) = client
        .request(
            "GET".parse().unwrap(),
            &format!("/api/v1/station/cases/{elsewhere}/blobs/{hash}"),
            Vec::new(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(status, 404);
    let mut nobody = Client::new(
        &banner.url(),
        Some(&banner.fingerprint()),
        Some("0".repeat(64)),
    )
    .unwrap();
    let (status, _) = nobody
        .request(
            "POST".parse().unwrap(),
            "/api/v1/station/round",
            round(vec![]),
            false,
        )
        .await
        .unwrap();
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_enrolled_at_the_station_syncs_with_either_level() {
    let banner = TestServer::start().await;
    for name in ["王五", "赵六"] {
        banner.add_investigator(name);
    }
    let case = banner.add_case("LV-4", &["王五", "赵六"]);
    let st = station(&banner).await;
    wait_for("the case at the station", async || {
        st.store.case_view(case).unwrap().is_some()
    })
    .await;
    // The station issues the code: its copy of the banner's users knows 王五.
    let code = jiuzhu_server::admin::enroll_code(st.store.as_ref(), "王五", 3600, now()).unwrap();
    let mut t = SimTablet::new();
    t.tablet
        .enroll(
            &st.running.url(),
            &code,
            Some(&st.running.fingerprint),
            "平板-站",
        )
        .await
        .unwrap();
    let first = t.sync().await.unwrap();
    assert_eq!(first.assigned, vec![case]);
    t.tablet.note(case, "在同步站登记的平板").unwrap();
    t.sync().await.unwrap();
    // The banner learns the device and the work at the station's next rounds…
    let device = t.tablet.identity().unwrap().device_id;
    wait_for("the device at the banner", async || {
        banner
            .store
            .list_devices()
            .unwrap()
            .iter()
            .any(|d| d.id.to_string() == device)
    })
    .await;
    wait_for("the finding at the banner", async || {
        banner.export(case)["document"]["findings"]
            .as_array()
            .is_some_and(|f| f.len() == 1)
    })
    .await;
    // …and the tablet reaches the banner itself with the credential the station gave it.
    t.tablet
        .add_server(&banner.url(), Some(&banner.fingerprint()), "旗级")
        .await
        .unwrap();
    t.tablet.note(case, "直接同步到旗级").unwrap();
    let direct = t
        .tablet
        .sync_with_server(&banner.url(), &mut |_| {})
        .await
        .unwrap();
    assert!(direct.refused.is_empty(), "{:?}", direct.refused);
    let texts: Vec<String> = banner.export(case)["document"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
}
