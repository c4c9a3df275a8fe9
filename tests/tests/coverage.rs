//! What the visit records reaches the rules (issue 12): every new item is written with the tablet
//! command line (`jiuzhu-tablet set`), survives sync, is in the case the console shows, and where
//! the rules use it, the server's proposal changes. Personal numbers added by the issue (the
//! agent's and supporters' ID numbers, the payment account) are masked for roles that do not
//! verify them.

use jiuzhu_e2e::{
    CONSOLE_PASSWORD, Console, TOWNSHIP, TestServer, admin_cli, tablet_cli as tablet,
    tablet_cli_output,
};
use jiuzhu_server::proposals::EXAMPLE_CONFIG;
use jiuzhu_shared::rules::{Date, RegionConfig};
use serde_json::{Value, json};
use std::path::Path;

fn install_rules(data: &Path) {
    let file = data.join("rules.toml");
    std::fs::write(&file, EXAMPLE_CONFIG).unwrap();
    admin_cli(data, &["set-rules", "--file", file.to_str().unwrap()]);
}

/// A 特困 application of one 76-year-old, and a 低保 household of two already receiving 低保.
fn cases(server: &TestServer) -> (String, String) {
    let tekun = server.add_case_json(
        &json!({
            "header": {"case_no": "COV-TK", "case_type": "tekun", "applicant_name": "乌云",
                       "township": TOWNSHIP, "village": "王爱召嘎查", "deadline": "2026-12-31"},
            "declared": {"members": [{"name": "乌云", "relation": "本人", "birth_date": "1950-03-01"}]}
        })
        .to_string(),
    );
    let dibao = server.add_case_json(
        &json!({
            "header": {"case_no": "COV-DB", "case_type": "rural_dibao", "applicant_name": "李四",
                       "township": TOWNSHIP, "village": "王爱召嘎查", "deadline": "2026-12-31"},
            "declared": {"members": [{"name": "李四", "relation": "本人", "birth_date": "1980-01-01"},
                                     {"name": "刘芳", "relation": "配偶", "birth_date": "1982-01-01"}]}
        })
        .to_string(),
    );
    for c in [tekun, dibao] {
        server.assign(c, &["王五", "赵六"]);
    }
    (tekun.to_string(), dibao.to_string())
}

fn set_all(home: &Path, case: &str, items: &[(&str, &str)]) {
    for (path, value) in items {
        tablet(home, &["set", "--case", case, path, value]);
    }
}

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .fold(v, |cur, seg| match seg.parse::<usize>() {
            Ok(i) => &cur[i],
            Err(_) => &cur[seg],
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visit_records_what_the_decision_needs() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    server.add_console_user("旗局", "bureau", TOWNSHIP);
    install_rules(server.dir.path());
    let (tekun, dibao) = cases(&server);

    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("tablet");
    let code = server.enroll_code("王五");
    tablet(
        &home,
        &[
            "enroll",
            "--server",
            &server.url(),
            "--code",
            &code,
            "--fingerprint",
            &server.fingerprint(),
        ],
    );
    tablet(&home, &["sync"]);

    let mut console = Console::new(&server);
    assert_eq!(console.login("张海燕", CONSOLE_PASSWORD).await, 200);
    let proposal = |p: &Value| p["verified"].clone();
    let (_, before) = console
        .get(&format!("/api/console/cases/{tekun}/proposal"))
        .await;

    // 特困: the visit as the investigators record it, field by field.
    let v = "visits.0";
    let m = "visits.0.members.0";
    let tekun_items: Vec<(String, &str)> = [
        ("visited_at", "1796000000000"),
        ("opinion", "老人独居，生活困难，建议纳入特困供养"),
        ("household.application_method", "agent"),
        ("household.agent_name", "乌兰"),
        ("household.agent_id_number", "150621197501011234"),
        ("household.agent_relation", "侄女"),
        ("household.agent_phone", "13800001111"),
        ("household.mandate_seen", "true"),
        ("household.separated_residence", "true"),
        ("household.usual_residence", "树林召镇林原村"),
        ("household.bank_name", "农村信用社"),
        ("household.bank_account_holder", "乌云"),
        ("household.bank_account_no", "6228480019800101999"),
        ("supporters.0.name", "王强"),
        ("supporters.0.relation", "子女"),
        ("supporters.0.id_number", "150621197001011238"),
        ("supporters.0.household_size", "3"),
        ("supporters.0.income_fen_month", "150000"),
        ("supporters.0.able", "false"),
        ("supporters.0.unable_reason", "severe_disability"),
        ("supporters.0.support_paid_fen_month", "0"),
        ("income.0.category", "transfer"),
        ("income.0.item", "基础养老金"),
        ("income.0.amount_fen", "180000"),
        ("income.0.period_months", "12"),
        ("income.0.exempt", "true"),
        ("income.0.exempt_code", "basic_pension"),
        ("income.0.detail.payer", "旗社会保险事业局"),
        ("property.0.kind", "house"),
        ("property.0.description", "土坯房"),
        ("property.0.area_m2", "45.5"),
        ("property.0.location", "王爱召嘎查三社"),
        ("property.1.kind", "vehicle"),
        ("property.1.description", "电动三轮车"),
        ("property.1.vehicle_type", "tricycle"),
        ("property.1.plate", "蒙K·12345"),
        ("property.1.usage", "disabled_mobility"),
        ("property.1.value_fen", "300000"),
    ]
    .iter()
    .map(|(p, val)| (format!("{v}.{p}"), *val))
    .chain(
        [
            ("ethnicity.verified", "蒙古族"),
            ("hukou_type.verified", "农村牧区"),
            ("marital_status.verified", "丧偶"),
            ("education.verified", "小学"),
            ("health.verified", "慢性病"),
            ("disease.verified", "糖尿病"),
            ("disability_type.verified", "肢体残疾"),
            ("disability_grade.verified", "三级"),
            ("disability_cert_no.verified", "15062119500301123443"),
            ("work_capacity.verified", "完全丧失劳动能力"),
            ("self_care.eating", "false"),
            ("self_care.dressing", "false"),
            ("self_care.bed", "false"),
            ("self_care.toilet", "true"),
            ("self_care.walking", "true"),
            ("self_care.bathing", "true"),
            ("caregiver", "乌兰（侄女）"),
            ("guardian", "乌兰"),
        ]
        .iter()
        .map(|(p, val)| (format!("{m}.{p}"), *val)),
    )
    .collect();
    let items: Vec<(&str, &str)> = tekun_items.iter().map(|(p, v)| (p.as_str(), *v)).collect();
    set_all(&home, &tekun, &items);

    // 低保 household: current benefit and the start of work (渐退), 单人保 asked for the spouse,
    // 余额宝, a seasonal wage with its detail, crops and sheep.
    let db = |p: &str| format!("visits.0.{p}");
    let dibao_items: Vec<(String, &str)> = [
        ("household.current_benefit_fen", "40000"),
        ("household.employment_started_on", "2026-10-01"),
        ("household.single_person_member_id", "MEMBER1"),
        ("household.single_person_condition", "major_illness"),
        ("income.0.category", "wage"),
        ("income.0.item", "季节性务工"),
        ("income.0.member_id", "MEMBER0"),
        ("income.0.amount_fen", "1800000"),
        ("income.0.period_months", "12"),
        ("income.0.detail.business", "达拉特旗建筑公司"),
        ("income.0.detail.months_worked", "8"),
        ("income.1.category", "business"),
        ("income.1.item", "种植"),
        ("income.1.amount_fen", "300000"),
        ("income.1.cost_fen", "100000"),
        ("income.1.period_months", "12"),
        ("income.1.detail.crop", "玉米"),
        ("income.1.detail.area_mu", "10"),
        ("income.1.detail.yield_kg", "5000"),
        ("income.1.detail.price_fen_per_kg", "60"),
        ("income.2.category", "business"),
        ("income.2.item", "养殖"),
        ("income.2.amount_fen", "0"),
        ("income.2.period_months", "12"),
        ("income.2.detail.species", "绵羊"),
        ("income.2.detail.head_count", "12"),
        ("income.2.detail.head_sold", "0"),
        ("property.0.kind", "internet_finance"),
        ("property.0.description", "余额宝"),
        ("property.0.value_fen", "50000000"),
    ]
    .iter()
    .map(|(p, val)| (db(p), *val))
    .collect();
    // Member ids are the visit's own rows: read them from the tablet.
    let shown = tablet(&home, &["show", "--case", &dibao]);
    let member_id = |i: usize| {
        shown["visits"][0]["members"][i]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (m0, m1) = (member_id(0), member_id(1));
    let items: Vec<(String, String)> = dibao_items
        .iter()
        .map(|(p, v)| (p.clone(), v.replace("MEMBER0", &m0).replace("MEMBER1", &m1)))
        .collect();
    let items: Vec<(&str, &str)> = items
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_str()))
        .collect();
    set_all(&home, &dibao, &items);
    tablet(&home, &["sync"]);

    // Survives sync and appears in the console, value for value.
    for (case, items) in [(&tekun, &tekun_items), (&dibao, &dibao_items)] {
        let (status, detail) = console.get(&format!("/api/console/cases/{case}")).await;
        assert_eq!(status, 200, "{detail}");
        let doc = &detail["document"];
        for (path, raw) in items.iter() {
            let raw = raw.replace("MEMBER0", &m0).replace("MEMBER1", &m1);
            let expected = jiuzhu_shared::path::parse_cli_value(&raw);
            let got = at(doc, path);
            let same = got == &expected
                || got == &Value::String(raw.clone())
                || (got.is_number() && got.as_f64() == expected.as_f64());
            assert!(same, "{path}: console shows {got}, the tablet wrote {raw}");
        }
    }

    // The rules use them: 特困 with the care tier of three self-care items (部分丧失).
    let (_, after) = console
        .get(&format!("/api/console/cases/{tekun}/proposal"))
        .await;
    let config = RegionConfig::from_toml(EXAMPLE_CONFIG).unwrap();
    let on: Date = after["verified"]["assessed_on"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let rules = config.version_on(on).unwrap();
    let expected =
        rules.tekun.basic_living_rural_fen_per_month + rules.tekun.care_partly_lost_fen_per_month;
    let t = &proposal(&after)["tekun"][0];
    assert_eq!(t["proposed"], json!(true), "{after}");
    assert_eq!(t["amount_fen"], json!(expected));
    assert_ne!(
        proposal(&before)["tekun"],
        proposal(&after)["tekun"],
        "the visit changed the proposal"
    );
    assert_eq!(
        proposal(&after)["edge"]["proposed"],
        json!(false),
        "特困 and 边缘 are not proposed together"
    );

    // 余额宝 of 500,000 元 fails the property test; 渐退 and 单人保 are assessed.
    let (_, p) = console
        .get(&format!("/api/console/cases/{dibao}/proposal"))
        .await;
    let p = proposal(&p);
    assert_eq!(p["dibao"]["proposed"], json!(false), "{p}");
    let steps = p["steps"].to_string();
    assert!(steps.contains("存款等金融资产人均250000.00元"), "{steps}");
    assert!(p["phase_out"].is_object(), "{p}");
    assert_eq!(p["single_person"]["member_id"], json!(m1), "{p}");

    // A photo's tag comes from the vocabulary: 委托书 is one; a made-up tag is refused, saying
    // which exist, and nothing is added.
    let jpeg = dir.path().join("mandate.jpg");
    std::fs::write(&jpeg, jiuzhu_e2e::test_jpeg(400, 300, 5)).unwrap();
    let jpeg = jpeg.to_str().unwrap();
    tablet(
        &home,
        &[
            "photo", "--case", &tekun, "--file", jpeg, "--tag", "mandate",
        ],
    );
    let out = tablet_cli_output(
        &home,
        &["photo", "--case", &tekun, "--file", jpeg, "--tag", "selfie"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("mandate"), "{err}");
    let photos = tablet(&home, &["show", "--case", &tekun])["visits"][0]["photos"].clone();
    assert_eq!(photos.as_array().unwrap().len(), 1);
    assert_eq!(photos[0]["tag"], json!("mandate"));

    // A bureau user sees the new personal numbers masked; the caseworker who verifies them does not.
    let (_, plain) = console.get(&format!("/api/console/cases/{tekun}")).await;
    assert_eq!(
        plain["document"]["visits"][0]["household"]["bank_account_no"],
        json!("6228480019800101999")
    );
    let mut bureau = Console::new(&server);
    assert_eq!(bureau.login("旗局", CONSOLE_PASSWORD).await, 200);
    let (status, masked) = bureau.get(&format!("/api/console/cases/{tekun}")).await;
    assert_eq!(status, 200, "{masked}");
    let text = masked["document"].to_string();
    for secret in [
        "150621197501011234",
        "150621197001011238",
        "6228480019800101999",
    ] {
        assert!(!text.contains(secret), "{secret} shown to the bureau");
    }
    // The history lists each field old → new: whole for the caseworker, masked for the bureau.
    let history = format!("/api/console/cases/{tekun}/history");
    let (_, plain) = console.get(&history).await;
    assert!(plain.to_string().contains("6228480019800101999"));
    let (status, masked) = bureau.get(&history).await;
    assert_eq!(status, 200);
    let text = masked.to_string();
    assert!(text.contains("蒙古族"), "the history lists fields");
    for secret in [
        "150621197501011234",
        "150621197001011238",
        "6228480019800101999",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} shown to the bureau in the history"
        );
    }
}
