//! 主动发现 (issue 15) against a real server: the roll makes the register, a 医保 file with one
//! bad row gives the row error and exactly one warning, the warning queue is per township, a 探访
//! case reaches a tablet that records the visit offline (six areas, photo, signatures) and
//! syncs, the console sees it and opens an application from it; the same file again creates
//! nothing; 定期探访 tasks are opened on a fixed date under the example configuration by the
//! server binary's scheduler command, once. Rows that came before their household was registered
//! warn once the roll (here an Excel workbook) registers it; a 核对 不符合 warns; the scheduler's
//! re-evaluation raises nothing twice, nor a dismissed warning again.

use jiuzhu_e2e::{Console, SimTablet, TOWNSHIP, TestServer, admin_cli, png_bytes, test_jpeg};
use jiuzhu_server::workflow::config::{self, Which};
use serde_json::{Value, json};

const OTHER: &str = "王爱召镇";
/// Fictional people: valid check digits, made-up names.
const HEAD: &str = "150621198001010010";
const SPOUSE: &str = "150621198202020039";
const ELDER: &str = "150621194503030056";
const STRANGER: &str = "150621199001010066";

fn roll() -> String {
    format!(
        "户主身份证号,户主姓名,身份证号,姓名,与户主关系,苏木乡镇,嘎查村社区,分层,认定日期,独居,留守儿童,残疾等级\n\
         {HEAD},测试甲,{HEAD},测试甲,本人,{TOWNSHIP},示例村,低保,2025-03-01,否,否,\n\
         {HEAD},测试甲,{SPOUSE},测试乙,配偶,{TOWNSHIP},示例村,低保,2025-03-01,否,否,\n\
         {ELDER},测试丙,{ELDER},测试丙,本人,{OTHER},另一村,特困,2024-06-01,是,否,\n\
         {HEAD},测试甲,123,坏行,子女,{TOWNSHIP},示例村,低保,2025-03-01,否,否,\n"
    )
}

/// Two large bills of the head's family (over the example's 20000 元 in 12 months), one bill of
/// someone not in the register, and one bad row (a date that does not exist).
fn medical(today: &str) -> String {
    format!(
        "身份证号,姓名,就诊机构,结算日期,医疗总费用,个人自付\n\
         {HEAD},测试甲,旗人民医院,{today},30000,12000.50\n\
         {SPOUSE},测试乙,市中心医院,{today},20000,9000\n\
         {HEAD},测试甲,旗人民医院,2026-02-30,100,50\n\
         {STRANGER},测试丁,旗人民医院,{today},100,50\n"
    )
}

async fn import(c: &mut Console, source: &str, body: &str) -> (u16, Value) {
    let (s, bytes) = c
        .raw_body(
            "POST",
            &format!("/api/console/monitoring/imports?source={source}"),
            body.as_bytes().to_vec(),
        )
        .await;
    (s, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_warning_becomes_a_visit_and_an_application() {
    let server = TestServer::start().await;
    let root = server.data().root.clone();
    config::install(&root, Which::Options, config::EXAMPLE_OPTIONS).unwrap();
    config::install(&root, Which::Calendar, config::EXAMPLE_CALENDAR).unwrap();
    server.add_investigator("王五");
    server.add_investigator("赵六");
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    server.add_console_user("乔志强", "lead", TOWNSHIP);
    server.add_console_user("白玉梅", "bureau", TOWNSHIP);
    server.add_console_user("其木格", "caseworker", OTHER);
    let mut cw = Console::signed_in(&server, "张海燕").await;
    let mut lead = Console::signed_in(&server, "乔志强").await;
    let mut bureau = Console::signed_in(&server, "白玉梅").await;
    let mut other = Console::signed_in(&server, "其木格").await;

    // --- The register from the roll: the bad row named, the rest kept; searchable.
    let (s, v) = import(&mut lead, "roll", &roll()).await;
    assert_eq!(s, 403, "a lead does not import files: {v}");
    let (s, v) = import(&mut cw, "roll", &roll()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["rows"].as_u64(), v["households_changed"].as_u64()),
        (Some(3), Some(2)),
        "{v}"
    );
    assert_eq!(v["errors"][0]["row"], 5, "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("身份证号"),
        "{v}"
    );
    let (_, r) = cw
        .get(&format!("/api/console/monitoring/register?q={HEAD}"))
        .await;
    assert_eq!(r["households"][0]["layer_zh"], "低保", "{r}");
    let (_, r) = cw.get("/api/console/monitoring/register?q=测试丙").await;
    assert_eq!(
        r["households"],
        json!([]),
        "another township's household is not shown: {r}"
    );
    let (_, r) = bureau
        .get("/api/console/monitoring/register?q=测试丙")
        .await;
    assert_eq!(r["households"].as_array().unwrap().len(), 1, "{r}");

    // --- The 医保 file: the bad row reported with its line, the stranger reported, one warning.
    let today = jiuzhu_server::clock::today().to_string();
    let file = medical(&today);
    let (s, v) = import(&mut cw, "medical", &file).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            v["imported"].as_u64(),
            v["errors"].as_u64(),
            v["unmatched"].as_u64()
        ),
        (Some(2), Some(1), Some(1)),
        "{v}"
    );
    let bad = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "error")
        .unwrap();
    assert_eq!(bad["row"], 4);
    assert!(
        bad["message"].as_str().unwrap().contains("结算日期"),
        "{bad}"
    );
    assert_eq!(v["warnings"].as_array().unwrap().len(), 1, "{v}");

    // The queue: the township's own; another township sees nothing, the bureau sees it.
    let (_, q) = cw.get("/api/console/monitoring/warnings").await;
    let ws = q["warnings"].as_array().unwrap();
    assert_eq!(ws.len(), 1, "{q}");
    let w = &ws[0];
    assert_eq!(w["rule"], "medical_costs");
    assert_eq!(w["overdue"], false);
    assert!(w["why"].as_str().unwrap().contains("21000.50元"), "{w}");
    assert_eq!(w["rows"].as_array().unwrap().len(), 2);
    let wid = w["id"].as_str().unwrap().to_string();
    let (_, q) = other.get("/api/console/monitoring/warnings").await;
    assert_eq!(q["warnings"], json!([]));
    let (_, q) = bureau.get("/api/console/monitoring/warnings").await;
    assert_eq!(q["warnings"].as_array().unwrap().len(), 1);

    // Permissions: another township cannot act on it, the bureau does not act for the township.
    let (s, _) = other
        .post(
            &format!("/api/console/monitoring/warnings/{wid}/visit"),
            json!({}),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = bureau
        .post(
            &format!("/api/console/monitoring/warnings/{wid}/dismiss"),
            json!({"reason": "已核实"}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, v) = cw
        .post(
            &format!("/api/console/monitoring/warnings/{wid}/dismiss"),
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(s, 400, "a dismissal needs its reason: {v}");

    // --- The same file again creates nothing.
    let (s, v) = import(&mut cw, "medical", &file).await;
    assert_eq!(s, 200);
    assert_eq!(
        (v["imported"].as_u64(), v["duplicates"].as_u64()),
        (Some(0), Some(3)),
        "{v}"
    );
    assert_eq!(v["warnings"], json!([]));
    let (_, q) = bureau.get("/api/console/monitoring/warnings").await;
    assert_eq!(q["warnings"].as_array().unwrap().len(), 1);
    let (_, imports) = cw.get("/api/console/monitoring/imports").await;
    assert_eq!(
        imports["imports"].as_array().unwrap().len(),
        2,
        "each import is recorded"
    );

    // --- 探访: the caseworker opens it, the lead assigns the team, the tablet gets it.
    let (s, w) = cw
        .post(
            &format!("/api/console/monitoring/warnings/{wid}/visit"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["state"], "visiting");
    let visit = w["visit_case"].as_str().unwrap().to_string();
    let (s, _) = cw
        .post(
            &format!("/api/console/monitoring/warnings/{wid}/visit"),
            json!({}),
        )
        .await;
    assert_eq!(s, 400, "one visit per warning");
    let wf = lead
        .act(
            &visit,
            json!({"action": "start_investigation", "team": ["王五", "赵六"]}),
        )
        .await;
    assert_eq!(wf["state"], "investigating");
    let mut a = SimTablet::enrolled(&server, &server.url(), "王五").await;
    a.sync().await.unwrap();
    let id: jiuzhu_shared::CaseId = visit.parse().unwrap();
    let doc = a.show(id);
    assert_eq!(
        doc["declared"]["members"].as_array().unwrap().len(),
        2,
        "{doc}"
    );
    assert_eq!(
        doc["header"]["flags"],
        json!(["探访"]),
        "the flag that gives the tablet its short visit form"
    );
    let due = doc["header"]["deadline"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        due.as_str() > today.as_str(),
        "the visit is due after today, within the warning's handling time: {due}"
    );
    assert!(
        doc["findings"][0]["text"]
            .as_str()
            .unwrap()
            .contains("大额医疗自付")
    );

    // Recorded offline: the six areas, a photo, the signatures, sealed; then one sync.
    for (i, area) in [
        "basic_living",
        "medical",
        "education",
        "housing",
        "employment",
        "care",
    ]
    .iter()
    .enumerate()
    {
        let row = json!({"area": area, "situation": "住院后在家休养", "need": if *area == "medical" { "医疗救助" } else { "" }, "risk": ""});
        a.tablet
            .set(id, &format!("visits.0.needs.{i}"), &row.to_string())
            .unwrap();
    }
    a.tablet
        .add_photo(id, &test_jpeg(400, 300, 9), "住房", "exterior")
        .unwrap();
    a.seal_with_everyone(id, &["王五", "赵六"], &png_bytes());
    a.sync().await.unwrap();

    // --- The console shows the visit; the lead accepts it and opens an application from it.
    let (s, c) = cw.get(&format!("/api/console/cases/{visit}")).await;
    assert_eq!(s, 200);
    let needs = c["document"]["visits"][0]["needs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(needs.len(), 6, "{}", c["document"]["visits"][0]);
    assert_eq!(c["document"]["visits"][0]["finalized"], true);
    cw.act(&visit, json!({"action": "accept_visit"})).await;
    let (s, v) = other
        .post(
            &format!("/api/console/monitoring/visits/{visit}/apply"),
            json!({}),
        )
        .await;
    assert_eq!(s, 404, "another township: {v}");
    let (s, app) = cw
        .post(
            &format!("/api/console/monitoring/visits/{visit}/apply"),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{app}");
    let app_case = app["case_id"].as_str().unwrap().to_string();
    let (_, q) = cw.get("/api/console/monitoring/warnings").await;
    assert_eq!(q["warnings"][0]["state"], "applied");
    assert_eq!(q["warnings"][0]["application_case"], app_case);
    let wf = lead.act(&visit, json!({"action": "close_visit"})).await;
    assert_eq!(wf["state"], "visit_closed");
    // The application is a window draft of the township, marked as discovered.
    let (s, w) = cw
        .get(&format!("/api/console/window/cases/{app_case}"))
        .await;
    assert_eq!(s, 200, "{w}");
    let (_, f) = bureau.get("/api/console/monitoring/figures").await;
    let row = &f["rows"][0];
    assert_eq!(
        (
            row["warnings"].as_u64(),
            row["handled_in_limit"].as_u64(),
            row["applications"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{f}"
    );

    // --- 定期探访 on a fixed date under the example configuration, by the server binary.
    let out = admin_cli(&root, &["schedule-reviews", "--today", "2026-02-10"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["visits"].as_array().unwrap().len(),
        1,
        "the elderly 特困 living alone: {v}"
    );
    let out = admin_cli(&root, &["schedule-reviews", "--today", "2026-02-20"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["visits"],
        json!([]),
        "the same period again opens nothing: {v}"
    );
    let (_, t) = other.get("/api/console/monitoring/visits").await;
    let list = t["visits"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{t}");
    assert_eq!(
        (list[0]["village"].as_str(), list[0]["due"].as_str()),
        (Some("另一村"), Some("2026-03-01"))
    );
    assert_eq!(
        list[0]["overdue"], true,
        "its due day has passed and nobody visited"
    );
    let (_, t) = cw.get("/api/console/monitoring/visits").await;
    assert_eq!(
        t["visits"],
        json!([]),
        "another township's schedule is not shown"
    );
}

/// The roll as a department's Excel workbook: ID numbers as text, a real date cell.
fn roll_xlsx() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (r, line) in roll().lines().enumerate() {
        for (c, field) in line.split(',').enumerate() {
            let (r, c) = (r as u32, c as u16);
            if c == 8 && r > 0 {
                let d = ExcelDateTime::from_ymd(2025, 3, 1).unwrap();
                sheet.write_datetime_with_format(r, c, d, &date).unwrap();
            } else {
                sheet.write_string(r, c, field).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

async fn import_bytes(c: &mut Console, source: &str, body: Vec<u8>) -> (u16, Value) {
    let (s, bytes) = c
        .raw_body(
            "POST",
            &format!("/api/console/monitoring/imports?source={source}"),
            body,
        )
        .await;
    (s, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn rules_of(c: &Value) -> Vec<String> {
    let mut v: Vec<String> = c["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["rule"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn late_registration_a_workbook_and_a_check_result_warn_once() {
    let server = TestServer::start().await;
    let root = server.data().root.clone();
    config::install(&root, Which::Options, config::EXAMPLE_OPTIONS).unwrap();
    config::install(&root, Which::Calendar, config::EXAMPLE_CALENDAR).unwrap();
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    let mut cw = Console::signed_in(&server, "张海燕").await;
    let today = jiuzhu_server::clock::today().to_string();

    // The 医保 file before anyone is registered: kept, reported unmatched, no warning.
    let (s, v) = import(&mut cw, "medical", &medical(&today)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["unmatched"].as_u64(), Some(3), "{v}");
    assert_eq!(v["warnings"], json!([]), "{v}");

    // Broken or foreign files are refused whole, in Chinese, and write nothing.
    let mut broken = roll_xlsx();
    broken.truncate(300);
    let (s, v) = import_bytes(&mut cw, "roll", broken).await;
    assert_eq!(s, 400, "{v}");
    assert!(v["message"].as_str().unwrap().contains("无法读取"), "{v}");
    let (s, v) = import_bytes(&mut cw, "roll", vec![0xC9, 0xED, 0xB7, 0xDD, b'\n']).await;
    assert_eq!(s, 400, "{v}");
    assert!(v["message"].as_str().unwrap().contains("CSV UTF-8"), "{v}");

    // The roll as a workbook: the bad row named by its sheet row, and the earlier bills now warn.
    let (s, v) = import_bytes(&mut cw, "roll", roll_xlsx()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["rows"].as_u64(), Some(3), "{v}");
    assert_eq!(v["errors"][0]["row"], 5, "{v}");
    assert_eq!(v["warnings"].as_array().unwrap().len(), 1, "{v}");
    let (_, q) = cw.get("/api/console/monitoring/warnings").await;
    assert_eq!(rules_of(&q), ["medical_costs"], "{q}");

    // A 核对 result by person: 符合 raises nothing, 不符合 raises 核对发现不符 with its items.
    let check = format!(
        "身份证号,姓名,核对结果,核对项目,说明,核对日期\n\
         {HEAD},测试甲,符合,,,{today}\n\
         {SPOUSE},测试乙,不符合,车辆,名下登记小型轿车一辆,{today}\n\
         {SPOUSE},测试乙,待定,车辆,,{today}\n"
    );
    let (s, v) = import(&mut cw, "check", &check).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["imported"].as_u64(), v["errors"].as_u64()),
        (Some(2), Some(1)),
        "{v}"
    );
    assert_eq!(v["warnings"].as_array().unwrap().len(), 1, "{v}");
    let (_, q) = cw.get("/api/console/monitoring/warnings").await;
    assert_eq!(rules_of(&q), ["check_mismatch", "medical_costs"], "{q}");
    let mismatch = q["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["rule"] == "check_mismatch")
        .unwrap();
    assert!(
        mismatch["why"].as_str().unwrap().contains("不符合：车辆"),
        "{mismatch}"
    );

    // The scheduler runs the rules again: nothing new. Dismissed, the warning stays dismissed.
    let sweep = |root: &std::path::Path| -> Value {
        serde_json::from_str(&admin_cli(root, &["schedule-reviews", "--today", &today])).unwrap()
    };
    assert_eq!(sweep(&root)["warnings"], json!([]));
    let id = mismatch["id"].as_str().unwrap();
    let (s, v) = cw
        .post(
            &format!("/api/console/monitoring/warnings/{id}/dismiss"),
            json!({"reason": "车辆已于上月过户，经核实不影响认定"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(sweep(&root)["warnings"], json!([]));
    let (_, q) = cw.get("/api/console/monitoring/warnings").await;
    assert_eq!(q["warnings"].as_array().unwrap().len(), 2, "{q}");
}
