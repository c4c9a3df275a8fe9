//! Demo data for `serve --demo`: a township, two investigators, a caseworker and a few cases, so a
//! fresh machine shows something real. Idempotent: nothing is added twice.

use crate::admin;
use crate::store::Store;
use serde_json::json;

pub const TOWNSHIP: &str = "树林召镇";
/// The demo caseworker's console password (demo data only).
pub const DEMO_CASEWORKER: &str = "张海燕";
pub const DEMO_PASSWORD: &str = "jiuzhu-demo";
/// The demo township lead (乡镇负责人) and bureau reviewer (民政局), same password.
pub const DEMO_LEAD: &str = "乔志强";
pub const DEMO_BUREAU: &str = "白玉梅";

/// Seed the demo data if the store has no users yet; returns an enrollment code for each
/// investigator (valid 24 h) so the tablet can enroll straight away.
pub fn seed(
    store: &dyn Store,
    data_root: &std::path::Path,
    now: i64,
) -> anyhow::Result<Vec<(String, String)>> {
    use crate::workflow::config::{self, Which};
    if !config::options_path(data_root).exists() {
        config::install(data_root, Which::Options, config::EXAMPLE_OPTIONS)?;
    }
    if !config::calendar_path(data_root).exists() {
        config::install(data_root, Which::Calendar, config::EXAMPLE_CALENDAR)?;
    }
    let workflow = config::load(data_root)?;
    if store.user_by_name("王建国")?.is_none() {
        admin::add_user(store, "王建国", "investigator", TOWNSHIP, None, now)?;
        admin::add_user(store, "李秀英", "investigator", TOWNSHIP, None, now)?;
        admin::add_user(
            store,
            "张海燕",
            "caseworker",
            TOWNSHIP,
            Some(DEMO_PASSWORD),
            now,
        )?;
        for (no, name, village, idn, members) in [
            (
                "DLT-2026-0001",
                "巴特尔",
                "王爱召嘎查",
                "150621196505120011",
                3,
            ),
            (
                "DLT-2026-0002",
                "刘桂兰",
                "树林召村",
                "150621195803030024",
                1,
            ),
            (
                "DLT-2026-0003",
                "其木格",
                "吉格斯太嘎查",
                "15062119800909004X",
                4,
            ),
        ] {
            let members: Vec<_> = (0..members)
                .map(|i| {
                    json!({
                        "name": if i == 0 { name.to_string() } else { format!("{name}家成员{i}") },
                        "relation": if i == 0 { "本人" } else { "家庭成员" },
                        "id_number": if i == 0 { idn } else { "" },
                    })
                })
                .collect();
            let case = json!({
                "header": {"case_no": no, "case_type": "rural_dibao", "applicant_name": name,
                           "applicant_id_number": idn, "township": TOWNSHIP, "village": village,
                           "deadline": "2026-12-31"},
                "declared": {"application_date": "2026-11-20", "members": members,
                             "income": [{"category": "business", "item": "养羊", "amount_fen": 1_200_000, "period_months": 12}]},
            });
            use crate::workflow::intake;
            let id = intake::add_case(store, &workflow, &case.to_string(), now)?;
            intake::assign(
                store,
                &workflow,
                id,
                &["王建国".into(), "李秀英".into()],
                now,
            )?;
        }
    }
    if store.user_by_name(DEMO_LEAD)?.is_none() {
        admin::add_user(store, DEMO_LEAD, "lead", TOWNSHIP, Some(DEMO_PASSWORD), now)?;
        admin::add_user(
            store,
            DEMO_BUREAU,
            "bureau",
            TOWNSHIP,
            Some(DEMO_PASSWORD),
            now,
        )?;
    }
    let applied = crate::workflow::flows::all_flows(store)?
        .iter()
        .any(|f| f.phone.as_deref() == Some(DEMO_PHONE));
    if !applied {
        demo_application(store, data_root, &workflow, now)?;
    }
    if !crate::proposals::config_path(data_root).exists() {
        crate::proposals::install(store, data_root, crate::proposals::EXAMPLE_CONFIG, now)?;
    }
    let mut codes = Vec::new();
    for user in ["王建国", "李秀英"] {
        codes.push((
            user.to_string(),
            admin::enroll_code(store, user, 24 * 3600, now)?,
        ));
    }
    Ok(codes)
}

/// The demo applicant's phone (its one-time codes appear in the server's log).
pub const DEMO_PHONE: &str = "13800000000";

/// A family's application from the phone pages, submitted and waiting for 初审, so the console's
/// workflow has something to show on a fresh machine.
fn demo_application(
    store: &dyn Store,
    data_root: &std::path::Path,
    workflow: &crate::workflow::config::WorkflowConfig,
    now: i64,
) -> anyhow::Result<()> {
    use crate::workflow::{Who, applications, flow};
    use base64::Engine;
    let app = flow::Application {
        programme: "dibao".into(),
        township: TOWNSHIP.into(),
        village: "王爱召嘎查".into(),
        address: "三社12号".into(),
        applicant: flow::Person {
            name: "王秀兰".into(),
            id_number: "150621196203150020".into(),
        },
        members: vec![flow::Member {
            name: "李小军".into(),
            relation: "子女".into(),
            sex: "男".into(),
            birth_date: "2012-05-01".into(),
            ..flow::Member::default()
        }],
        income_note: "种地十亩，养羊二十只".into(),
        ..flow::Application::default()
    };
    let blobs = crate::blobs::BlobDir::open_configured(data_root)?;
    let f = applications::create(store, DEMO_PHONE, &app, now)?;
    let case: jiuzhu_shared::CaseId = f.case_id.parse()?;
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_fn(120, 40, |x, y| {
        let ink = (y as i32 - 20 - ((x as f32 / 8.0).sin() * 10.0) as i32).abs() < 2;
        image::Rgba([0, 0, 0, if ink { 255 } else { 0 }])
    })
    .write_to(&mut png, image::ImageFormat::Png)?;
    let image = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png.into_inner())
    );
    for document in ["promise", "consent"] {
        let signing = applications::Signing {
            document,
            signer: "王秀兰",
            mode: flow::SignMode::Pad,
            image: &image,
        };
        applications::sign(
            store,
            &blobs,
            case,
            applications::Party::Applicant(DEMO_PHONE),
            signing,
            now,
        )?;
    }
    let who = Who {
        name: format!("申请人 {}", crate::workflow::mask_phone(DEMO_PHONE)),
        role: jiuzhu_shared::workflow::Role::Applicant,
        actor: store.server_actor()?,
        audit: "demo".into(),
    };
    applications::submit(
        store,
        workflow,
        case,
        applications::Party::Applicant(DEMO_PHONE),
        &who,
        now,
    )?;
    Ok(())
}
