//! The server computes the rules engine's proposal for each case, the console shows it, and a new
//! regional configuration lists the cases whose proposal changed (issue #5, "use it").

use jiuzhu_e2e::{CONSOLE_PASSWORD, Console, SimTablet, TOWNSHIP, TestServer, bin};
use jiuzhu_server::proposals::EXAMPLE_CONFIG;
use serde_json::{Value, json};

fn set_rules(data: &std::path::Path, text: &str) -> Value {
    let file = data.join("candidate.toml");
    std::fs::write(&file, text).unwrap();
    let out = std::process::Command::new(bin("jiuzhu-server"))
        .args(["admin", "--data"])
        .arg(data)
        .args(["set-rules", "--file"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposals_are_computed_shown_and_recomputed_when_the_rules_change() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    let case = server.add_case("RULE-1", &["王五", "赵六"]);
    let mut c = Console::new(&server);
    assert_eq!(c.login("张海燕", CONSOLE_PASSWORD).await, 200);
    let (status, body) = c.get(&format!("/api/console/cases/{case}/proposal")).await;
    assert_eq!((status, body["code"].clone()), (404, json!("no_rules")));

    let installed = set_rules(server.dir.path(), EXAMPLE_CONFIG);
    assert_eq!(
        installed["changed"].as_array().unwrap().len(),
        1,
        "first install: every case is new"
    );

    // The tablet records the verified income; the proposal follows the verified data.
    let mut t = SimTablet::enrolled(&server, &server.url(), "王五").await;
    t.sync().await.unwrap();
    t.tablet
        .set(case, "visits.0.income.0.category", "wage")
        .unwrap();
    t.tablet
        .set(case, "visits.0.income.0.amount_fen", "2400000")
        .unwrap();
    t.tablet
        .set(case, "visits.0.income.0.period_months", "12")
        .unwrap();
    t.sync().await.unwrap();
    let (status, p) = c.get(&format!("/api/console/cases/{case}/proposal")).await;
    assert_eq!(status, 200, "{p}");
    assert!(p["declared"]["config_version"].is_string());
    assert!(
        !p["declared"]["steps"].as_array().unwrap().is_empty(),
        "every step is explained"
    );
    assert_ne!(
        p["verified"]["per_capita_monthly_income_fen"],
        p["declared"]["per_capita_monthly_income_fen"]
    );

    // Unchanged rules: nothing to report. A higher standard: this case's proposal changes.
    assert_eq!(
        set_rules(server.dir.path(), EXAMPLE_CONFIG)["changed"],
        json!([])
    );
    let raised = EXAMPLE_CONFIG.replace("rural_dibao_fen = 64000", "rural_dibao_fen = 264000");
    assert_ne!(raised, EXAMPLE_CONFIG);
    let report = set_rules(server.dir.path(), &raised);
    let changed = report["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{report}");
    assert_eq!(changed[0]["case_no"], json!("RULE-1"));
    assert_ne!(changed[0]["before"], changed[0]["after"]);

    // A broken configuration is refused with a message and changes nothing.
    let file = server.dir.path().join("broken.toml");
    std::fs::write(
        &file,
        raised.replace("rural_dibao_fen = 264000", "rural_dibao_fen = -5"),
    )
    .unwrap();
    let out = std::process::Command::new(bin("jiuzhu-server"))
        .args(["admin", "--data"])
        .arg(server.dir.path())
        .args(["set-rules", "--file"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("rural_dibao_fen"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(server.dir.path().join("region.toml")).unwrap(),
        raised
    );
}
