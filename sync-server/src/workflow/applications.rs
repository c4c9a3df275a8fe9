//! Cases applied for on the phone pages: the draft lives only as a flow until it is submitted
//! (so drafts never reach the queue or the tablets); submission writes the case document with the
//! declared family and takes the `submit` (or `resubmit`, after 补正) action.

use super::config::WorkflowConfig;
use super::flow::*;
use super::flows::{in_txn, load_flow, put_flow};
use super::service::{ActionInput, act_in};
use super::{Result, Who, WorkflowError};
use crate::blobs::BlobDir;
use crate::store::{DocTxn, Item, Store};
use crate::sync_engine::write_server_change;
use jiuzhu_shared::policy::Grant;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::schema::{CaseDoc, DeclaredDocument, DeclaredMember, SCHEMA_VERSION};
use jiuzhu_shared::vocab;
use jiuzhu_shared::workflow::{Action, CaseKind, Programme, State};
use jiuzhu_shared::{BlobHash, CaseId};
use serde::{Deserialize, Serialize};

pub const MAX_MATERIAL_BYTES: usize = 8 << 20;
/// A drawn signature, or the scan of a signed paper form downscaled in the browser.
pub const MAX_SIGNATURE_BYTES: usize = 2 << 20;

/// Kinds only the township uploads (the others are the applicant's documents, which go to the
/// team's tablets with the case).
const TOWNSHIP_KINDS: &[&str] = &["decider_visit"];

/// The Chinese name of a material kind (vocabulary `material_kind`).
pub fn material_zh(kind: &str) -> &str {
    vocab::label("material_kind", kind)
}

/// Most rows of each kind an application may declare.
const MAX_ROWS: usize = 30;
/// Longest free text in a declared row.
const MAX_ROW_TEXT: usize = 100;
/// Most members one application may list (a household register holds fewer).
const MAX_MEMBERS: usize = 20;
/// Longest text of any one field of an application (the notes are the longest honest ones).
const MAX_FIELD_TEXT: usize = 500;
/// Longest name.
const MAX_NAME: usize = 30;

/// The length, in characters, of the longest string anywhere in `v`.
fn longest_text(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::String(s) => s.chars().count(),
        serde_json::Value::Array(a) => a.iter().map(longest_text).max().unwrap_or(0),
        serde_json::Value::Object(o) => o.values().map(longest_text).max().unwrap_or(0),
        _ => 0,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Material {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub hash: String,
    pub bytes: usize,
    pub uploaded_at: i64,
    /// A township user's name; none for the applicant's own uploads.
    #[serde(default)]
    pub uploaded_by: Option<String>,
}

/// Who uploads a material: the applicant or the window, as the application's documents; or a
/// township user, as the township's own photos.
pub enum Uploader<'a> {
    Party(Party<'a>),
    Township(&'a Who),
}

pub(super) fn programme(code: &str) -> Result<Programme> {
    Programme::ALL
        .iter()
        .copied()
        .find(|p| p.code() == code)
        .ok_or_else(|| WorkflowError::Invalid("请选择救助类别：低保、特困或临时救助".into()))
}

/// GB 11643 check digit of an 18-character ID number.
pub fn id_number_valid(id: &str) -> bool {
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17]
        .iter()
        .zip(W)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    b[17].to_ascii_uppercase() == check
}

/// Check an application as typed; every problem is named.
pub fn validate(app: &Application) -> Result<Application> {
    let mut app = app.clone();
    programme(&app.programme)?;
    let trim = |s: &mut String| *s = s.trim().to_string();
    for s in [
        &mut app.township,
        &mut app.village,
        &mut app.address,
        &mut app.applicant.name,
        &mut app.applicant.id_number,
    ] {
        trim(s);
    }
    if app.township.is_empty() || app.village.is_empty() {
        return Err(WorkflowError::Invalid(
            "请选择苏木乡镇并填写嘎查村/社区".into(),
        ));
    }
    if app.applicant.name.is_empty() {
        return Err(WorkflowError::Invalid("请填写申请人姓名".into()));
    }
    if !id_number_valid(&app.applicant.id_number) {
        return Err(WorkflowError::Invalid(
            "申请人身份证号码不正确，请核对18位号码（最后一位可能是X）".into(),
        ));
    }
    app.members.retain(|m| !m.name.trim().is_empty());
    if app.members.len() > MAX_MEMBERS {
        return Err(WorkflowError::Invalid(format!(
            "家庭成员最多填写{MAX_MEMBERS}人，请核对"
        )));
    }
    let names = std::iter::once(&app.applicant.name).chain(app.members.iter().map(|m| &m.name));
    if names
        .into_iter()
        .any(|n| n.trim().chars().count() > MAX_NAME)
    {
        return Err(WorkflowError::Invalid(format!(
            "姓名请不超过{MAX_NAME}个字"
        )));
    }
    if longest_text(&serde_json::to_value(&app).expect("an application serialises"))
        > MAX_FIELD_TEXT
    {
        return Err(WorkflowError::Invalid(format!(
            "填写的内容过长，每一项请不超过{MAX_FIELD_TEXT}个字"
        )));
    }
    for m in &mut app.members {
        trim(&mut m.name);
        trim(&mut m.id_number);
        if !m.id_number.is_empty() && !id_number_valid(&m.id_number) {
            return Err(WorkflowError::Invalid(format!(
                "家庭成员{}的身份证号码不正确，请核对",
                m.name
            )));
        }
    }
    rows(&mut app)?;
    agent(&mut app)?;
    if !app.members.iter().any(|m| m.name == app.applicant.name) {
        app.members.insert(
            0,
            Member {
                name: app.applicant.name.clone(),
                id_number: app.applicant.id_number.clone(),
                relation: "本人".into(),
                ..Member::default()
            },
        );
    }
    Ok(app)
}

/// Check the agent of a delegated application (委托): named, with a valid ID number and, if
/// given, an 11-digit mobile number. An agent with every field empty is no agent.
fn agent(app: &mut Application) -> Result<()> {
    let Some(a) = &mut app.agent else {
        return Ok(());
    };
    for s in [&mut a.name, &mut a.id_number, &mut a.relation, &mut a.phone] {
        *s = s.trim().to_string();
    }
    if [&a.name, &a.id_number, &a.relation, &a.phone]
        .iter()
        .all(|s| s.is_empty())
    {
        app.agent = None;
        return Ok(());
    }
    if a.name.is_empty() || a.name.chars().count() > MAX_NAME {
        return Err(WorkflowError::Invalid("请填写受委托人姓名".into()));
    }
    if !id_number_valid(&a.id_number) {
        return Err(WorkflowError::Invalid(
            "受委托人身份证号码不正确，请核对18位号码（最后一位可能是X）".into(),
        ));
    }
    if !a.phone.is_empty() && !phone_valid(&a.phone) {
        return Err(WorkflowError::Invalid(
            "受委托人手机号码应为11位数字".into(),
        ));
    }
    Ok(())
}

/// Why a delegated application may not be submitted yet.
pub const MANDATE_MISSING: &str = "委托申请须上传委托书（材料类别选“委托书”）";

/// A delegated application (委托) is submitted only with the applicant's 委托书 among its
/// materials: at the window and on the phone alike.
pub fn lacks_mandate(flow: &Flow, materials: &[Material]) -> bool {
    flow.application.as_ref().is_some_and(|a| a.agent.is_some())
        && !materials.iter().any(|m| m.kind == "mandate")
}

/// An 11-digit mainland mobile number.
pub fn phone_valid(phone: &str) -> bool {
    phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit())
}

/// Check the declared income, property and expense rows: kinds from the vocabulary, amounts not
/// negative, periods of 1 to 12 months, short texts, a bounded number of rows.
fn rows(app: &mut Application) -> Result<()> {
    let invalid = |what: &str, i: usize, why: &str| {
        Err(WorkflowError::Invalid(format!("第{}条{what}{why}", i + 1)))
    };
    let too_long = |t: &str| t.chars().count() > MAX_ROW_TEXT;
    let bad_amount = |a: Option<i64>| a.is_some_and(|a| a < 0);
    let bad_period = |p: Option<u32>| p.is_some_and(|p| !(1..=12).contains(&p));
    if app
        .income
        .len()
        .max(app.property.len())
        .max(app.expenditures.len())
        > MAX_ROWS
    {
        return Err(WorkflowError::Invalid(format!(
            "收入、财产、支出每类最多填写{MAX_ROWS}条，请合并同类项"
        )));
    }
    for (i, r) in app.income.iter_mut().enumerate() {
        r.item = r.item.trim().to_string();
        if vocab::term("income_category", &r.category).is_none() {
            return invalid("收入", i, "请选择收入类别");
        }
        if r.amount_fen.is_none() || bad_amount(r.amount_fen) || bad_amount(r.cost_fen) {
            return invalid("收入", i, "的金额应为不小于0的数");
        }
        if bad_period(r.period_months) {
            return invalid("收入", i, "的月数应为1到12");
        }
        if too_long(&r.item) || r.note.as_deref().is_some_and(too_long) {
            return invalid("收入", i, &format!("的文字请不超过{MAX_ROW_TEXT}个字"));
        }
        r.evidence = Some("self_declared".into());
    }
    for (i, r) in app.property.iter_mut().enumerate() {
        r.description = r.description.trim().to_string();
        if vocab::term("property_kind", &r.kind).is_none() {
            return invalid("财产", i, "请选择财产类别");
        }
        if bad_amount(r.value_fen) || r.quantity.is_some_and(|q| !(0.0..1e9).contains(&q)) {
            return invalid("财产", i, "的价值或数量不正确");
        }
        if too_long(&r.description) || r.note.as_deref().is_some_and(too_long) {
            return invalid("财产", i, &format!("的文字请不超过{MAX_ROW_TEXT}个字"));
        }
    }
    for (i, r) in app.expenditures.iter_mut().enumerate() {
        if vocab::term("expenditure_kind", &r.kind).is_none() {
            return invalid("支出", i, "请选择支出类别");
        }
        if r.amount_fen.is_none() || bad_amount(r.amount_fen) {
            return invalid("支出", i, "的金额应为不小于0的数");
        }
        if bad_period(r.period_months) {
            return invalid("支出", i, "的月数应为1到12");
        }
        if r.note.as_deref().is_some_and(too_long) {
            return invalid("支出", i, &format!("的文字请不超过{MAX_ROW_TEXT}个字"));
        }
        r.evidence = Some("self_declared".into());
    }
    Ok(())
}

/// A new draft for the phone number.
pub fn create(store: &dyn Store, phone: &str, app: &Application, now: i64) -> Result<Flow> {
    let app = validate(app)?;
    let today = Date::in_china(now);
    in_txn(store, &mut |txn| {
        let case = CaseId::new();
        let flow = Flow {
            case_id: case.to_string(),
            case_no: super::serial_no(txn, "SQ", FLOW, today)?,
            programme: programme(&app.programme)?,
            kind: CaseKind::Application,
            state: State::Draft,
            entered: today,
            accepted: None,
            township: app.township.clone(),
            phone: Some(phone.to_string()),
            origin: None,
            records: 0,
            facts: Facts::default(),
            application: Some(app.clone()),
        };
        put_flow(txn, &flow, now)?;
        Ok(flow)
    })
}

/// Who works on an application before it is accepted: the applicant on their phone, or a
/// caseworker at the township window (一门受理) on a case opened there.
#[derive(Clone, Copy)]
pub enum Party<'a> {
    Applicant(&'a str),
    Window { who: &'a Who, township: &'a str },
}

impl Party<'_> {
    /// The name a window user's records carry (none for the applicant).
    fn staff(&self) -> Option<String> {
        match self {
            Party::Applicant(_) => None,
            Party::Window { who, .. } => Some(who.name.clone()),
        }
    }
}

/// The applicant's own case (404 for anybody else's, without telling which).
pub fn own(txn: &mut dyn DocTxn, case: CaseId, phone: &str) -> Result<Flow> {
    held_by(txn, case, Party::Applicant(phone))
}

/// The case if `party` works on it: the applicant's own (by phone number), or a window case of
/// the caseworker's township. 404 for any other, without telling which.
pub fn held_by(txn: &mut dyn DocTxn, case: CaseId, party: Party<'_>) -> Result<Flow> {
    let not_found = || WorkflowError::NotFound("没有找到这份申请".into());
    let flow = load_flow(txn, case).map_err(|_| not_found())?;
    let window = flow.facts.window.as_ref();
    let holds = match party {
        Party::Applicant(phone) => flow.followed_by(phone),
        Party::Window { township, .. } => {
            window.is_some_and(|w| w.discarded.is_none()) && flow.township == township
        }
    };
    if holds { Ok(flow) } else { Err(not_found()) }
}

fn editable(flow: &Flow) -> Result<()> {
    if matches!(flow.state, State::Draft | State::NeedsSupplement) {
        Ok(())
    } else {
        Err(WorkflowError::Invalid(format!(
            "申请已{}，不能再修改；如情况有变化，请联系乡镇社会救助窗口",
            flow.state.zh()
        )))
    }
}

pub fn update(
    store: &dyn Store,
    case: CaseId,
    party: Party<'_>,
    app: &Application,
    now: i64,
) -> Result<Flow> {
    let app = validate(app)?;
    in_txn(store, &mut |txn| {
        let mut flow = held_by(txn, case, party)?;
        editable(&flow)?;
        if flow.state == State::NeedsSupplement {
            flow.facts.supplement_provided = true;
        }
        flow.programme = programme(&app.programme)?;
        flow.township = app.township.clone();
        flow.application = Some(app.clone());
        put_flow(txn, &flow, now)?;
        Ok(flow)
    })
}

/// Keep an uploaded image (already downsized on the phone) as a material of the case.
/// An uploaded image and what it is.
pub struct Upload<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// Most materials an applicant may upload to one case (a quota per phone: each is up to 8 MB).
const MAX_APPLICANT_MATERIALS: usize = 40;

/// The flow `by` may add a material to: the applicant's own case while it is editable (or
/// answering a 核对 result), within the quota; a township user's case not yet final.
fn upload_target(txn: &mut dyn DocTxn, case: CaseId, by: &Uploader<'_>) -> Result<Flow> {
    match by {
        Uploader::Party(party) => {
            let flow = held_by(txn, case, *party)?;
            let answering_check =
                matches!(party, Party::Applicant(_)) && flow.state == State::CheckFailedNotified;
            if !answering_check {
                editable(&flow)?;
            }
            if txn.items(MATERIAL, Some(&flow.case_id))?.len() >= MAX_APPLICANT_MATERIALS {
                return Err(WorkflowError::Invalid(format!(
                    "每个申请最多上传{MAX_APPLICANT_MATERIALS}份材料，还需补充的请到乡镇（苏木）便民服务窗口提交"
                )));
            }
            Ok(flow)
        }
        Uploader::Township(_) => {
            let flow = load_flow(txn, case)?;
            if flow.state.is_final() {
                return Err(WorkflowError::Invalid(format!(
                    "案件已{}，不能再添加材料",
                    flow.state.zh()
                )));
            }
            Ok(flow)
        }
    }
}

/// Keep an uploaded image (already downsized by the browser) as a material of the case: the
/// applicant's in a draft, while supplementing, or as evidence against a 核对 result; the
/// township's (the decider's visit photos) on a case not yet final.
pub fn add_material(
    store: &dyn Store,
    blobs: &BlobDir,
    case: CaseId,
    by: Uploader<'_>,
    upload: Upload<'_>,
    now: i64,
) -> Result<(Flow, Material)> {
    let Upload { kind, name, bytes } = upload;
    if bytes.len() > MAX_MATERIAL_BYTES {
        return Err(WorkflowError::Invalid(
            "照片太大（超过8MB），请重新拍摄".into(),
        ));
    }
    if !matches!(
        image::guess_format(bytes),
        Ok(image::ImageFormat::Jpeg | image::ImageFormat::Png)
    ) {
        return Err(WorkflowError::Invalid("只能上传JPEG或PNG格式的照片".into()));
    }
    let township = matches!(by, Uploader::Township(_));
    if vocab::term("material_kind", kind).is_none() || TOWNSHIP_KINDS.contains(&kind) != township {
        return Err(WorkflowError::Invalid("材料类别不正确".into()));
    }
    let hash = BlobHash::of(bytes);
    let actor = store.server_actor()?;
    // Who may add to the case is settled before a byte reaches the disk.
    in_txn(store, &mut |txn| upload_target(txn, case, &by).map(|_| ()))?;
    blobs
        .append(&hash, 0, bytes.len() as u64, bytes)
        .map_err(|e| WorkflowError::Invalid(format!("照片保存失败：{e}")))?;
    in_txn(store, &mut |txn| {
        let mut flow = upload_target(txn, case, &by)?;
        let m = Material {
            id: super::ordered_id(),
            kind: kind.to_string(),
            name: name.trim().chars().take(60).collect(),
            hash: hash.to_string(),
            bytes: bytes.len(),
            uploaded_at: now,
            uploaded_by: match &by {
                Uploader::Party(party) => party.staff(),
                Uploader::Township(who) => Some(who.name.clone()),
            },
        };
        txn.put_item(&Item {
            kind: MATERIAL.into(),
            id: m.id.clone(),
            case_id: Some(flow.case_id.clone()),
            body: serde_json::to_value(&m).expect("a material serialises"),
            at: now,
        })?;
        let staff = match &by {
            Uploader::Party(Party::Window { who, .. }) | Uploader::Township(who) => Some(who),
            Uploader::Party(Party::Applicant(_)) => None,
        };
        if let Some(who) = staff {
            txn.audit(&crate::audit::AuditEvent::new(
                now,
                who.audit.clone(),
                "add_material",
                Some(flow.case_id.clone()),
                serde_json::json!({ "material": m.id, "kind": m.kind }),
            ))?;
        }
        if flow.state == State::NeedsSupplement {
            flow.facts.supplement_provided = true;
            put_flow(txn, &flow, now)?;
        }
        if !TOWNSHIP_KINDS.contains(&kind) {
            refresh_documents(txn, case, actor, now)?;
        }
        Ok((flow.clone(), m.clone()))
    })
}

/// The applicant objects to the 核对 result and asks for a 复查 (S1 Art. 18), within the time
/// the notice gave.
pub fn object_to_check(
    store: &dyn Store,
    config: &WorkflowConfig,
    case: CaseId,
    phone: &str,
    reason: &str,
    who: &Who,
    now: i64,
) -> Result<Flow> {
    let reason = reason.trim();
    if reason.chars().count() < 5 {
        return Err(WorkflowError::Invalid(
            "请写明对核对结果有异议的理由（至少5个字）".into(),
        ));
    }
    in_txn(store, &mut |txn| {
        own(txn, case, phone)?;
        act_in(
            txn,
            config,
            case,
            who,
            &ActionInput::with_reason(Action::ObjectToCheck, reason),
            now,
        )
    })
}

pub fn materials(store: &dyn Store, case: &str) -> Result<Vec<Material>> {
    Ok(store
        .items(MATERIAL, Some(case))?
        .into_iter()
        .filter_map(|i| serde_json::from_value(i.body).ok())
        .collect())
}

pub fn material(store: &dyn Store, id: &str) -> Result<Option<(String, Material)>> {
    Ok(store.item(MATERIAL, id)?.and_then(|i| {
        let case = i.case_id.clone()?;
        serde_json::from_value(i.body).ok().map(|m| (case, m))
    }))
}

/// A signature on the 承诺书 or the 授权核对书: drawn on a pad (a PNG data URL), or, at the
/// window, the scan of the paper form signed by hand (a JPEG or PNG data URL).
pub struct Signing<'a> {
    /// promise | consent
    pub document: &'a str,
    pub signer: &'a str,
    pub mode: SignMode,
    /// `data:image/png;base64,…` (or `data:image/jpeg;base64,…` for a paper scan)
    pub image: &'a str,
}

/// The image of a signature as sent: a pad gives a small PNG, a scan a JPEG or PNG photo.
fn signature_image(mode: SignMode, data_url: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    let bad = || {
        WorkflowError::Invalid(match mode {
            SignMode::Pad => "签名图片格式不正确，请重新签名".into(),
            SignMode::Paper => "扫描件应为JPEG或PNG图片，请重新扫描".into(),
        })
    };
    let prefixes: &[&str] = match mode {
        SignMode::Pad => &["data:image/png;base64,"],
        SignMode::Paper => &["data:image/jpeg;base64,", "data:image/png;base64,"],
    };
    let b64 = prefixes
        .iter()
        .find_map(|p| data_url.strip_prefix(p))
        .ok_or_else(bad)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| bad())?;
    let format_ok = match image::guess_format(&bytes) {
        Ok(image::ImageFormat::Png) => true,
        Ok(image::ImageFormat::Jpeg) => mode == SignMode::Paper,
        _ => false,
    };
    if bytes.len() > MAX_SIGNATURE_BYTES || !format_ok {
        return Err(bad());
    }
    Ok(bytes)
}

pub fn sign(
    store: &dyn Store,
    blobs: &BlobDir,
    case: CaseId,
    party: Party<'_>,
    signing: Signing<'_>,
    now: i64,
) -> Result<Flow> {
    let Signing {
        document,
        signer,
        mode,
        image,
    } = signing;
    if !matches!(document, "promise" | "consent") {
        return Err(WorkflowError::Invalid("只能签署承诺书或授权核对书".into()));
    }
    let signer = signer.trim();
    if signer.is_empty() {
        return Err(WorkflowError::Invalid("请填写签字人姓名".into()));
    }
    if mode == SignMode::Paper && matches!(party, Party::Applicant(_)) {
        return Err(WorkflowError::Invalid(
            "纸质签字请到乡镇（苏木）社会救助窗口办理".into(),
        ));
    }
    let bytes = signature_image(mode, image)?;
    // Who may sign on the case is settled before a byte reaches the disk.
    in_txn(store, &mut |txn| editable(&held_by(txn, case, party)?))?;
    let hash = BlobHash::of(&bytes);
    blobs
        .append(&hash, 0, bytes.len() as u64, &bytes)
        .map_err(|e| WorkflowError::Invalid(format!("签名保存失败：{e}")))?;
    in_txn(store, &mut |txn| {
        let mut flow = held_by(txn, case, party)?;
        editable(&flow)?;
        // One 承诺书 (the applicant's or the agent's); one 授权核对书 per adult member, each
        // replaceable.
        flow.facts
            .signatures
            .retain(|s| s.document != document || (document == "consent" && s.signer != signer));
        flow.facts.signatures.push(SignedDoc {
            document: document.to_string(),
            signer: signer.to_string(),
            image_hash: hash.to_string(),
            at: now,
            mode,
            by: party.staff(),
        });
        put_flow(txn, &flow, now)?;
        if let Party::Window { who, .. } = party {
            txn.audit(&crate::audit::AuditEvent::new(
                now,
                who.audit.clone(),
                "record_signature",
                Some(flow.case_id.clone()),
                serde_json::json!({ "document": document, "mode": mode }),
            ))?;
        }
        Ok(flow)
    })
}

fn declared_members(app: &Application) -> Vec<DeclaredMember> {
    app.members
        .iter()
        .map(|m| DeclaredMember {
            id: jiuzhu_shared::ids::new_row_id(),
            name: m.name.clone(),
            id_number: m.id_number.clone(),
            relation: m.relation.clone(),
            sex: m.sex.clone(),
            birth_date: m.birth_date.clone(),
            health: m.health.clone(),
            disability_type: m.disability_type.clone(),
            disability_grade: m.disability_grade.clone(),
            employment: m.employment.clone(),
            ethnicity: m.ethnicity.clone(),
            hukou_type: m.hukou_type.clone(),
            marital_status: m.marital_status.clone(),
            education: m.education.clone(),
            school_stage: m.school_stage.clone(),
            disease: m.disease.clone(),
            disability_cert_no: m.disability_cert_no.clone(),
            work_capacity: m.work_capacity.clone(),
            employer: m.employer.clone(),
        })
        .collect()
}

/// Write the declared section (and, on first submission, the whole header) from the application.
fn write_document(txn: &mut dyn DocTxn, flow: &Flow, who: &Who, now: i64) -> Result<()> {
    let case = flow.id()?;
    let app = flow.application.clone().unwrap_or_default();
    let exists = txn.load_doc(case)?.is_some();
    let members = declared_members(&app);
    let documents = documents(txn, case)?;
    let today = Date::in_china(now).to_string();
    let declare = |c: &mut CaseDoc| {
        c.declared.members = members.clone();
        c.declared.income = app.income.clone();
        c.declared.property = app.property.clone();
        c.declared.expenditures = app.expenditures.clone();
        let mut statement: Vec<String> = [
            ("收入", &app.income_note),
            ("财产", &app.property_note),
            ("支出", &app.expense_note),
        ]
        .iter()
        .filter(|(_, t)| !t.trim().is_empty())
        .map(|(w, t)| format!("{w}：{}", t.trim()))
        .collect();
        // The team checks the 委托书 (among the documents) against the agent.
        if let Some(a) = &app.agent {
            statement.push(format!("委托申请：受委托人{}（{}）", a.name, a.relation));
        }
        c.declared.statement = (!statement.is_empty()).then(|| statement.join("\n"));
        c.declared.documents = documents.clone();
        c.fill_missing_ids();
    };
    write_server_change(txn, case, (who.actor, &Grant::server()), now, &mut |doc| {
        if exists {
            doc.update("application corrected (补正)", now, |c| {
                c.header.applicant_name = app.applicant.name.clone();
                c.header.applicant_id_number = app.applicant.id_number.clone();
                c.header.village = app.village.clone();
                c.header.address = app.address.clone();
                declare(c);
                Ok(())
            })
        } else {
            let mut c = CaseDoc {
                schema_version: SCHEMA_VERSION,
                case_id: flow.case_id.clone(),
                ..CaseDoc::default()
            };
            c.header.case_no = flow.case_no.clone();
            c.header.case_type = case_type_of(flow.programme, &app.village).into();
            c.header.applicant_name = app.applicant.name.clone();
            c.header.applicant_id_number = app.applicant.id_number.clone();
            c.header.township = app.township.clone();
            c.header.village = app.village.clone();
            c.header.address = app.address.clone();
            c.header.status = State::Submitted.code().into();
            c.declared.application_date = Some(today.clone());
            declare(&mut c);
            doc.write(&c, "application submitted", now)
        }
    })?;
    Ok(())
}

/// The applicant's documents as the case document lists them (the township's own photos stay
/// with the workflow).
fn documents(txn: &mut dyn DocTxn, case: CaseId) -> Result<Vec<DeclaredDocument>> {
    Ok(materials_in(txn, &case.to_string())?
        .into_iter()
        .filter(|m| !TOWNSHIP_KINDS.contains(&m.kind.as_str()))
        .map(|m| DeclaredDocument {
            hash: m.hash,
            kind: m.kind,
            name: m.name,
            bytes: m.bytes as u64,
            added_at: Some(m.uploaded_at * 1000),
        })
        .collect())
}

/// The case's materials, read inside a transaction.
fn materials_in(txn: &mut dyn DocTxn, case: &str) -> Result<Vec<Material>> {
    Ok(txn
        .items(MATERIAL, Some(case))?
        .into_iter()
        .filter_map(|i| serde_json::from_value(i.body).ok())
        .collect())
}

/// A document added after the case document exists reaches it (and the team's tablets) at once.
fn refresh_documents(
    txn: &mut dyn DocTxn,
    case: CaseId,
    actor: jiuzhu_shared::ActorKey,
    now: i64,
) -> Result<()> {
    if txn.load_doc(case)?.is_none() {
        return Ok(());
    }
    let documents = documents(txn, case)?;
    write_server_change(txn, case, (actor, &Grant::server()), now, &mut |doc| {
        doc.update("application document added", now, |c| {
            c.declared.documents = documents.clone();
            Ok(())
        })
    })?;
    Ok(())
}

/// Submit the draft, or resubmit after 补正.
pub fn submit(
    store: &dyn Store,
    config: &WorkflowConfig,
    case: CaseId,
    party: Party<'_>,
    who: &Who,
    now: i64,
) -> Result<Flow> {
    in_txn(store, &mut |txn| {
        submit_in(txn, config, case, party, who, now)
    })
}

/// [`submit`] inside a transaction (the window accepts in the same one).
pub fn submit_in(
    txn: &mut dyn DocTxn,
    config: &WorkflowConfig,
    case: CaseId,
    party: Party<'_>,
    who: &Who,
    now: i64,
) -> Result<Flow> {
    let flow = held_by(txn, case, party)?;
    let action = match flow.state {
        State::Draft => Action::Submit,
        State::NeedsSupplement => Action::Resubmit,
        s => {
            return Err(WorkflowError::Invalid(format!(
                "申请已{}，无需再次提交",
                s.zh()
            )));
        }
    };
    if lacks_mandate(&flow, &materials_in(txn, &flow.case_id)?) {
        return Err(WorkflowError::Invalid(MANDATE_MISSING.into()));
    }
    // Check before writing the document, so a refused submission leaves no case behind.
    let facts = flow.case_facts(None, Date::in_china(now), None, &config.options);
    jiuzhu_shared::workflow::allowed(&facts, flow.state, action, who.role, &config.options)
        .map_err(WorkflowError::Refused)?;
    write_document(txn, &flow, who, now)?;
    act_in(txn, config, case, who, &ActionInput::new(action), now)
}
