//! 抽查 (issue 14 point 3, docs/workflow-api.md "Spot checks") against a real server: the bureau
//! draws with a recorded seed (every 单独登记备案 case, 30% of the new 特困 cases, the rest's
//! share, each rounded up), the same seed over the same cases draws the same sample, outcomes are
//! recorded once unless the check is reopened, the case page shows them. Everyone else is refused:
//! township leads and caseworkers (403), investigators (no console), another township's users
//! (404 for its checks, nothing of them in the list).

use jiuzhu_e2e::{Console, TOWNSHIP, TestServer, case_json};
use jiuzhu_shared::CaseId;
use serde_json::{Value, json};

const OTHER_TOWNSHIP: &str = "王爱召镇";
const DRAWS: &str = "/api/console/spot-checks";

fn add_case(server: &TestServer, no: &str, township: &str, case_type: &str) -> CaseId {
    server.add_case_json(
        &case_json(no)
            .replace(TOWNSHIP, township)
            .replace("rural_dibao", case_type),
    )
}

fn ids(draw: &Value) -> Vec<String> {
    let mut v: Vec<String> = draw["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["case_id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn outcome(task: &str) -> String {
    format!("{DRAWS}/tasks/{task}/outcome")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bureau_draws_a_reproducible_sample_and_records_the_checks() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    for (name, role, township) in [
        ("白玉梅", "bureau", TOWNSHIP),
        ("乔志强", "lead", TOWNSHIP),
        ("张海燕", "caseworker", TOWNSHIP),
        ("刘芳", "lead", OTHER_TOWNSHIP),
        ("系统管理员", "admin", TOWNSHIP),
    ] {
        server.add_console_user(name, role, township);
    }
    // This month's cases: 树林召镇 5 new 特困 and 6 低保 (one of them 单独登记备案), 王爱召镇 3 低保.
    let mut flagged = None;
    for i in 0..11 {
        let kind = if i < 5 { "tekun" } else { "rural_dibao" };
        let id = add_case(&server, &format!("SC-{i:02}"), TOWNSHIP, kind);
        if i == 10 {
            flagged = Some(id);
        }
    }
    for i in 0..3 {
        add_case(&server, &format!("SC-W{i}"), OTHER_TOWNSHIP, "rural_dibao");
    }
    let flagged = flagged.unwrap();
    let mut bureau = Console::signed_in(&server, "白玉梅").await;
    let mut lead = Console::signed_in(&server, "乔志强").await;
    let mut cw = Console::signed_in(&server, "张海燕").await;
    let mut other = Console::signed_in(&server, "刘芳").await;
    let mut admin = Console::signed_in(&server, "系统管理员").await;
    let (s, v) = lead
        .post(
            &format!("/api/console/cases/{flagged}/flags"),
            json!({"separately_registered": true, "reason": "申请人系村委会委员的弟弟"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    let month = jiuzhu_shared::rules::date::Date::in_china(jiuzhu_server::clock::now()).to_string()
        [..7]
        .to_string();
    let body = json!({"from": month, "to": month, "townships": [], "seed": "2026年12月抽查"});

    // Only the bureau draws.
    for (who, c) in [
        ("a township lead", &mut lead),
        ("a caseworker", &mut cw),
        ("another township's lead", &mut other),
        ("an admin", &mut admin),
    ] {
        let (s, v) = c.post(DRAWS, body.clone()).await;
        assert_eq!(s, 403, "{who}: {v}");
        assert!(v["message"].as_str().unwrap().contains("民政局"), "{v}");
    }
    let mut investigator = Console::new(&server);
    assert_eq!(
        investigator
            .login("王五", jiuzhu_e2e::CONSOLE_PASSWORD)
            .await,
        401
    );
    assert_eq!(investigator.post(DRAWS, body.clone()).await.0, 401);
    // Clear refusals of a bad request.
    for (bad, why) in [
        (json!({"from": month, "to": "2020-01"}), "抽查期间"),
        (
            json!({"from": "2020-01", "to": "2020-02"}),
            "没有受理的案件",
        ),
        (
            json!({"from": month, "to": month, "tekun_percent": 20}),
            "30%",
        ),
    ] {
        let (s, v) = bureau.post(DRAWS, bad.clone()).await;
        assert_eq!(s, 400, "{bad}: {v}");
        assert!(v["message"].as_str().unwrap().contains(why), "{v}");
    }

    let (s, first) = bureau.post(DRAWS, body.clone()).await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["seed"], "2026年12月抽查");
    assert_eq!(first["population"]["total"], 14);
    assert_eq!(first["population"]["separately_registered"], 1);
    assert_eq!(first["population"]["tekun_new"], 5);
    // 1 单独登记备案 + ⌈30% × 5⌉ 特困 + ⌈5% × 8⌉ others.
    assert_eq!(first["sampled"]["separately_registered"], 1);
    assert_eq!(first["sampled"]["tekun_new"], 2);
    assert_eq!(first["sampled"]["rest"], 1);
    assert_eq!(first["reproduced"], true);
    assert_eq!(first["tekun_percent"], 30);
    assert_eq!(first["rest_percent"], 5, "the regional default");
    assert!(ids(&first).contains(&flagged.to_string()));
    // The same seed over the same cases: the same sample.
    let (_, again) = bureau.post(DRAWS, body.clone()).await;
    assert_eq!(ids(&again), ids(&first));
    assert_ne!(again["no"], first["no"]);
    // No seed given: the server makes one and records it.
    let (s, third) = bureau
        .post(
            DRAWS,
            json!({"from": month, "to": month, "townships": [OTHER_TOWNSHIP], "rest_percent": 100}),
        )
        .await;
    assert_eq!(s, 200, "{third}");
    assert_eq!(third["seed"].as_str().unwrap().len(), 12);
    assert_eq!(third["sampled"]["total"], 3, "all of 王爱召镇");

    // The list: the bureau sees every draw; a township its own tasks only.
    let (s, list) = bureau.get(DRAWS).await;
    assert_eq!(s, 200);
    assert_eq!(list["draws"].as_array().unwrap().len(), 3);
    assert_eq!(list["may_record"], true);
    assert_eq!(list["defaults"]["tekun_percent"], 30);
    let (_, mine) = lead.get(DRAWS).await;
    assert_eq!(mine["may_record"], false);
    let towns: Vec<&Value> = mine["draws"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["tasks"].as_array().unwrap())
        .map(|t| &t["township"])
        .collect();
    assert!(!towns.is_empty() && towns.iter().all(|t| *t == TOWNSHIP));
    let (_, theirs) = other.get(DRAWS).await;
    assert!(
        theirs["draws"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["tasks"].as_array().unwrap())
            .all(|t| t["township"] == OTHER_TOWNSHIP)
    );

    // Outcomes: the bureau's, once, unless reopened.
    let task = first["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["case_id"] == flagged.to_string())
        .unwrap();
    let tid = task["id"].as_str().unwrap();
    assert_eq!(task["reason"], "separately_registered");
    assert_eq!(task["reason_zh"], "单独登记备案");
    for (who, c) in [
        ("the township's lead", &mut lead),
        ("a caseworker", &mut cw),
        ("another township's lead", &mut other),
    ] {
        let (s, v) = c.post(&outcome(tid), json!({"finding": "confirmed"})).await;
        assert_eq!(s, 403, "{who}: {v}");
    }
    let (s, v) = bureau
        .post(&outcome(tid), json!({"finding": "needs_correction"}))
        .await;
    assert_eq!(s, 400, "a finding against the file needs a note: {v}");
    let (s, done) = bureau
        .post(
            &outcome(tid),
            json!({"finding": "needs_correction", "note": "入户核实：家中有未申报的轿车一辆"}),
        )
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["state"], "done");
    assert_eq!(done["outcome"]["finding_zh"], "不属实，需整改");
    let (s, v) = bureau
        .post(&outcome(tid), json!({"finding": "confirmed"}))
        .await;
    assert_eq!(s, 400, "already done: {v}");
    assert!(v["message"].as_str().unwrap().contains("重新打开"), "{v}");
    let reopen = format!("{DRAWS}/tasks/{tid}/reopen");
    assert_eq!(lead.post(&reopen, json!({"note": "请复核"})).await.0, 403);
    assert_eq!(bureau.post(&reopen, json!({"note": ""})).await.0, 400);
    let (s, v) = bureau
        .post(&reopen, json!({"note": "车辆登记在他人名下，需复核"}))
        .await;
    assert_eq!((s, v["state"].as_str()), (200, Some("open")), "{v}");
    let (s, v) = bureau
        .post(
            &outcome(tid),
            json!({"finding": "confirmed", "note": "车辆系亲属所有，情况属实"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["steps"].as_array().unwrap().len(), 3);

    // The case page: the check and its outcome, for those who see the case.
    let of_case = format!("/api/console/cases/{flagged}/spot-checks");
    let (s, checks) = lead.get(&of_case).await;
    assert_eq!(s, 200, "{checks}");
    let finding: Vec<&Value> = checks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["outcome"]["finding"])
        .collect();
    assert!(finding.contains(&&json!("confirmed")), "{checks}");
    assert_eq!(other.get(&of_case).await.0, 404);
    // Audited: the task's changes on the case's trail.
    let (_, audit) = bureau
        .get(&format!("/api/console/cases/{flagged}/audit"))
        .await;
    let n = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "spot_check")
        .count();
    assert_eq!(
        n,
        2 + 3,
        "drawn twice (the same seed), recorded, reopened, recorded"
    );
}
