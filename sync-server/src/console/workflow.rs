//! The console's workflow endpoints (docs/workflow-api.md): a case's workflow with the moves the
//! user's role could take, taking them, the 初审 checklist and flags, objection intake, notices,
//! applicants' materials, 民主评议 meetings and the printable 公示 / 公布.

use super::{ApiResult, ConsoleError, ConsoleUser, blocking, scoped_case};
use crate::cases;
use crate::clock::now;
use crate::http::AppState;
use crate::review::{access, text};
use crate::workflow::config::{self, WorkflowConfig};
use crate::workflow::flow::Flow;
use crate::workflow::flows;
use crate::workflow::meetings::{self, MeetingInput};
use crate::workflow::service::{self, ActionInput};
use crate::workflow::{Who, WorkflowError, applications, notices, publicity};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiuzhu_shared::CaseId;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::{Action, Role};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/workflow", get(view).post(take))
        .route("/cases/{id}/checklist", post(checklist))
        .route("/cases/{id}/flags", post(flags))
        .route("/cases/{id}/extension", post(extension))
        .route("/cases/{id}/objections", post(objection))
        .route("/notices/{file}", get(notice_pdf))
        .route("/materials/{id}", get(material))
        .route("/meetings", get(list_meetings).post(create_meeting))
        .route("/meetings/{id}", get(meeting))
        .route("/meetings/{id}/close", post(close_meeting))
        .route("/meetings/{id}/minutes.pdf", get(minutes_pdf))
        .route("/publicity.pdf", get(publicity_pdf))
        .route("/roll.pdf", get(roll_pdf))
}

impl From<WorkflowError> for ConsoleError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::Refused(r) => {
                let status = if r.code == "wrong_role" {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::CONFLICT
                };
                ConsoleError::new(status, r.code, r.zh)
            }
            WorkflowError::Invalid(m) => ConsoleError::invalid(m),
            WorkflowError::NotFound(m) => ConsoleError::new(StatusCode::NOT_FOUND, "not_found", m),
            WorkflowError::Forbidden(m) => ConsoleError::new(StatusCode::FORBIDDEN, "forbidden", m),
            WorkflowError::Store(s) => s.into(),
        }
    }
}

pub fn load_config(st: &AppState) -> ApiResult<WorkflowConfig> {
    config::load(&st.data_root).map_err(|e| {
        ConsoleError::new(
            StatusCode::CONFLICT,
            "workflow_config",
            format!("{}{e}", text::WORKFLOW_CONFIG_UNUSABLE),
        )
    })
}

fn who(st: &AppState, user: &ConsoleUser) -> ApiResult<Who> {
    Ok(Who {
        name: user.0.name.clone(),
        role: user.0.role,
        actor: st.store.user_actor(user.0.id)?,
        audit: user.label(),
    })
}

/// A PDF shown in the browser, never cached (notices carry personal data).
pub fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.pdf\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

fn flow_or_legacy(st: &AppState, case: CaseId, today: Date) -> ApiResult<Flow> {
    if let Some(f) = flows::flow_of(st.store.as_ref(), case)? {
        return Ok(f);
    }
    let doc = cases::load_case(st.store.as_ref(), case)?
        .read()
        .map_err(crate::store::StoreError::from)?;
    Ok(flows::legacy_flow(case, &doc, today))
}

fn mask_application(app: &mut Value) {
    let mask = |v: &mut Value| {
        if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
            *v = Value::from(access::mask_id_number(s));
        }
    };
    mask(&mut app["applicant"]["id_number"]);
    if let Some(ms) = app["members"].as_array_mut() {
        ms.iter_mut().for_each(|m| mask(&mut m["id_number"]));
    }
}

/// The `Workflow` answer of docs/workflow-api.md.
pub fn workflow_json(st: &AppState, user: &ConsoleUser, case: CaseId) -> ApiResult {
    let config = load_config(st)?;
    let now = now();
    let today = Date::in_china(now);
    let flow = flow_or_legacy(st, case, today)?;
    let doc = cases::load_case(st.store.as_ref(), case)
        .ok()
        .and_then(|d| d.read().ok());
    let store = st.store.as_ref();
    let records: Vec<Value> = flows::records(store, case)?
        .into_iter()
        .map(|r| {
            json!({
                "n": r.n, "action": r.action, "zh": r.action.zh(), "from": r.from, "to": r.to,
                "to_zh": r.to.zh(), "role": r.role, "role_zh": r.role.zh(), "actor": r.actor,
                "at": r.at, "reason": r.reason, "detail": r.detail,
            })
        })
        .collect();
    let (state_due, overall) = service::deadlines(&flow, &config, today);
    let materials: Vec<Value> = applications::materials(store, &flow.case_id)?
        .into_iter()
        .map(|m| json!({"id": m.id, "kind": m.kind, "kind_zh": applications::material_zh(&m.kind), "name": m.name, "uploaded_at": m.uploaded_at}))
        .collect();
    let notices: Vec<Value> = notices::of_case(store, &flow.case_id)?
        .into_iter()
        .map(|n| json!({"id": n.id, "kind": n.kind, "title": n.title, "number": n.number, "created_at": n.created_at, "paragraphs": n.paragraphs, "pdf": format!("/api/console/notices/{}.pdf", n.id)}))
        .collect();
    let objections: Vec<Value> = publicity::of_case(store, &flow.case_id)?
        .into_iter()
        .map(|o| json!({"id": o.id, "receipt": o.receipt, "channel": o.channel, "channel_zh": publicity::channel_zh(&o.channel), "content": o.content, "contact": o.contact, "received_at": o.received_at, "by": o.by}))
        .collect();
    let meetings: Vec<Value> = meetings::list(store)?
        .into_iter()
        .filter(|m| m.case_ids.contains(&flow.case_id))
        .map(|m| json!({"id": m.id, "title": m.title, "held_on": m.held_on, "open": m.open}))
        .collect();
    let f = &flow.facts;
    let mut application = json!(flow.application);
    if access::masks_id_numbers(user.0.role) {
        mask_application(&mut application);
    }
    Ok(Json(json!({
        "case_id": flow.case_id, "case_no": flow.case_no,
        "programme": flow.programme, "programme_zh": flow.programme.zh(),
        "kind": flow.kind, "kind_zh": flow.kind.zh(),
        "state": flow.state, "state_zh": flow.state.zh(),
        "entered": flow.entered, "accepted": flow.accepted,
        "facts": {
            "missing_items": f.missing_items, "checklist": f.checklist, "team": f.team,
            "separately_registered": f.separately_registered, "separately_reason": f.separately_reason,
            "extension": f.extension,
            "opinion": f.opinion, "previous_opinion": f.previous_opinion, "decision": f.decision,
            "publicity": f.publicity.as_ref().map(|p| json!({"from": p.from, "to": p.to})),
            "objections": objections,
            "visit": doc.as_ref().and_then(|d| crate::workflow::flow::visit_facts(d, f.visit_accepted)),
            "review_minutes_recorded": f.review_minutes_recorded,
            "democratic_review_done": f.democratic_review_done,
            "next_review": f.next_review, "open_review": f.open_review, "origin": flow.origin,
        },
        "records": records,
        "actions": service::available(&flow, doc.as_ref(), user.0.role, &config, today),
        "deadline": state_due, "overall": overall,
        "calendar_installed": config.has_calendar,
        "notices": notices, "materials": materials,
        "signed": {"promise": f.signed("promise") || flow.phone.is_none(), "consent": flow.consent_complete(today)},
        "consent_signers": f.signatures.iter().filter(|s| s.document == "consent").map(|s| s.signer.clone()).collect::<Vec<_>>(),
        "consent_pending": flow.consent_pending(today),
        "application": application, "meetings": meetings,
    })))
}

async fn view(State(st): State<AppState>, user: ConsoleUser, Path(id): Path<String>) -> ApiResult {
    blocking(move || {
        let case = scoped_case(&st, &user, &id)?;
        workflow_json(&st, &user, case)
    })
    .await
}

async fn take(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(input): Json<ActionInput>,
) -> ApiResult {
    blocking(move || {
        let case = scoped_case(&st, &user, &id)?;
        let config = load_config(&st)?;
        let who = who(&st, &user)?;
        let now = now();
        let store = st.store.as_ref();
        if matches!(
            input.action,
            Action::StartInvestigation | Action::Reinvestigate
        ) {
            // Assigning sends the case to the team's tablets: check the move first, so a refused
            // move assigns nobody.
            let team = input.team.clone().unwrap_or_default();
            for name in &team {
                let ok = store
                    .user_by_name(name.trim())?
                    .is_some_and(|u| u.role == Role::Investigator && user.sees(&u.township));
                if !ok {
                    return Err(ConsoleError::invalid(format!(
                        "{name} 不是本乡镇的调查员。"
                    )));
                }
            }
            service::check(store, &config, case, &who, &input, now)?;
            cases::assign_as(store, case, &team, &who.editor(), now)?;
        }
        service::act(store, &config, case, &who, &input, now)?;
        workflow_json(&st, &user, case)
    })
    .await
}

#[derive(Deserialize)]
struct ChecklistBody {
    items: Vec<crate::workflow::flow::CheckItem>,
}

/// Change facts the township keeps beside the workflow (no transition), audited, and answer with
/// the refreshed workflow.
fn change_facts(
    st: &AppState,
    user: &ConsoleUser,
    id: &str,
    (what, detail): (&str, Value),
    change: &mut dyn FnMut(&mut crate::workflow::flow::Facts) -> Result<(), WorkflowError>,
) -> ApiResult {
    let case = scoped_case(st, user, id)?;
    user.may(access::Action::Decide)?;
    let config = load_config(st)?;
    let who = who(st, user)?;
    flows::in_txn(st.store.as_ref(), &mut |txn| {
        service::update_facts(
            txn,
            &config,
            case,
            &who,
            (what, detail.clone()),
            now(),
            change,
        )
    })?;
    workflow_json(st, user, case)
}

async fn checklist(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<ChecklistBody>,
) -> ApiResult {
    blocking(move || {
        let detail = json!({ "items": b.items });
        change_facts(&st, &user, &id, ("checklist", detail), &mut |f| {
            f.checklist = b.items.clone();
            Ok(())
        })
    })
    .await
}

#[derive(Deserialize)]
struct FlagsBody {
    separately_registered: bool,
    #[serde(default)]
    reason: String,
}

async fn flags(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<FlagsBody>,
) -> ApiResult {
    blocking(move || {
        let detail = json!({"separately_registered": b.separately_registered, "reason": b.reason});
        let what = ("flag_separately_registered", detail);
        change_facts(&st, &user, &id, what, &mut |f| {
            let reason = b.reason.trim();
            if b.separately_registered && reason.is_empty() {
                return Err(WorkflowError::Invalid(
                    text::SEPARATE_REASON_REQUIRED.into(),
                ));
            }
            f.separately_registered = b.separately_registered;
            f.separately_reason = Some(reason.to_string()).filter(|r| !r.is_empty());
            Ok(())
        })
    })
    .await
}

#[derive(Deserialize)]
struct ExtensionBody {
    /// A named reason (S6 §四(一)), or null to withdraw the extension.
    reason: Option<jiuzhu_shared::workflow::ExtensionReason>,
}

/// Extend the overall limit to 45 working days for a named reason (or withdraw it).
async fn extension(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<ExtensionBody>,
) -> ApiResult {
    blocking(move || {
        let what = ("extend_limit", json!({ "extension": b.reason }));
        change_facts(&st, &user, &id, what, &mut |f| {
            f.extension = b.reason;
            Ok(())
        })
    })
    .await
}

#[derive(Deserialize)]
struct ObjectionBody {
    channel: String,
    content: String,
    #[serde(default)]
    contact: String,
}

async fn objection(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<ObjectionBody>,
) -> ApiResult {
    blocking(move || {
        let case = scoped_case(&st, &user, &id)?;
        user.may(access::Action::Decide)?;
        let config = load_config(&st)?;
        let who = who(&st, &user)?;
        publicity::register_objection(
            st.store.as_ref(),
            &config,
            case,
            &who,
            publicity::Received {
                channel: &b.channel,
                content: &b.content,
                contact: &b.contact,
            },
            now(),
        )?;
        workflow_json(&st, &user, case)
    })
    .await
}

async fn notice_pdf(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    blocking(move || {
        let id = file.strip_suffix(".pdf").unwrap_or(&file);
        let n = notices::get(st.store.as_ref(), id)?;
        let case = scoped_case(&st, &user, &n.case_id)?;
        user.audit(&st, "view_notice", Some(case), json!({"notice": n.id}))?;
        Ok(pdf_response(notices::pdf(&n)?, &n.kind))
    })
    .await
}

async fn material(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    blocking(move || {
        let Some((case, m)) = applications::material(st.store.as_ref(), &id)? else {
            return Err(ConsoleError::not_found());
        };
        let case = scoped_case(&st, &user, &case)?;
        user.audit(&st, "view_material", Some(case), json!({"material": m.id}))?;
        image_response(&st, &m.hash)
    })
    .await
}

pub fn image_response(st: &AppState, hash: &str) -> ApiResult<Response> {
    let h: jiuzhu_shared::BlobHash = hash.parse().map_err(|_| ConsoleError::not_found())?;
    let bytes = std::fs::read(st.blobs.path(&h)).map_err(|_| ConsoleError::not_found())?;
    let mime = match image::guess_format(&bytes) {
        Ok(image::ImageFormat::Png) => "image/png",
        _ => "image/jpeg",
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
        ],
        bytes,
    )
        .into_response())
}

fn meeting_json(st: &AppState, config: &WorkflowConfig, m: &meetings::Meeting) -> ApiResult<Value> {
    let store = st.store.as_ref();
    let mut cases = Vec::new();
    for c in &m.case_ids {
        let id: CaseId = c.parse().map_err(|_| ConsoleError::not_found())?;
        let view = store.case_view(id)?;
        cases.push(json!({
            "case_id": c, "case_no": view.as_ref().map(|v| v.case_no.clone()),
            "applicant": view.as_ref().map(|v| v.applicant.clone()),
            "tally": meetings::tally_of(store, config, m, c)?,
        }));
    }
    let roster: Vec<Value> = m
        .roster
        .iter()
        .map(|r| json!({"idx": r.idx, "name": r.name, "kind": r.kind, "kind_zh": meetings::kind_zh(&r.kind), "recused_case_ids": r.recuse_case_ids, "recusal_reason": r.recusal_reason, "voted": r.voted_at.is_some()}))
        .collect();
    Ok(json!({
        "id": m.id, "title": m.title, "township": m.township, "village": m.village, "held_on": m.held_on,
        "secret": m.secret, "open": m.open, "minutes": m.minutes, "created_by": m.created_by,
        "created_at": m.created_at, "cases": cases, "roster": roster,
    }))
}

fn meeting_in_scope(st: &AppState, user: &ConsoleUser, id: &str) -> ApiResult<meetings::Meeting> {
    let m = meetings::get(st.store.as_ref(), id)?;
    if !user.sees(&m.township) {
        return Err(ConsoleError::not_found());
    }
    Ok(m)
}

async fn list_meetings(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || {
        let config = load_config(&st)?;
        let mut out = Vec::new();
        for m in meetings::list(st.store.as_ref())?
            .iter()
            .filter(|m| user.sees(&m.township))
            .rev()
        {
            out.push(meeting_json(&st, &config, m)?);
        }
        Ok(Json(json!({ "meetings": out })))
    })
    .await
}

#[derive(Deserialize)]
struct MeetingBody {
    #[serde(default)]
    township: Option<String>,
    #[serde(flatten)]
    input: MeetingInput,
}

/// The address the console reached the server at: representatives' phones open the same one.
fn origin(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .map(|h| format!("https://{h}"))
        .unwrap_or_default()
}

async fn create_meeting(
    State(st): State<AppState>,
    user: ConsoleUser,
    headers: axum::http::HeaderMap,
    Json(b): Json<MeetingBody>,
) -> ApiResult {
    let origin = origin(&headers);
    blocking(move || {
        user.may(access::Action::Decide)?;
        let config = load_config(&st)?;
        let who = who(&st, &user)?;
        let township = b
            .township
            .clone()
            .filter(|_| access::banner_wide(user.0.role))
            .unwrap_or_else(|| user.0.township.clone());
        let (m, tokens) =
            meetings::create(st.store.as_ref(), &config, &township, &who, &b.input, now())?;
        let mut v = meeting_json(&st, &config, &m)?;
        let links: Vec<Value> = tokens
            .iter()
            .map(|(name, token)| {
                let url = format!("{origin}/m/#/vote/{token}");
                let qr = qrcode::QrCode::new(url.as_bytes())
                    .map(|q| {
                        q.render::<qrcode::render::svg::Color<'_>>()
                            .min_dimensions(160, 160)
                            .build()
                    })
                    .unwrap_or_default();
                json!({"name": name, "url": url, "qr_svg": qr})
            })
            .collect();
        v["links"] = json!(links);
        Ok(Json(v))
    })
    .await
}

async fn meeting(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    blocking(move || {
        let config = load_config(&st)?;
        let m = meeting_in_scope(&st, &user, &id)?;
        Ok(Json(meeting_json(&st, &config, &m)?))
    })
    .await
}

#[derive(Deserialize)]
struct CloseBody {
    #[serde(default)]
    minutes: String,
}

async fn close_meeting(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<CloseBody>,
) -> ApiResult {
    blocking(move || {
        user.may(access::Action::Decide)?;
        let config = load_config(&st)?;
        meeting_in_scope(&st, &user, &id)?;
        let who = who(&st, &user)?;
        let m = meetings::close(st.store.as_ref(), &config, &id, &who, &b.minutes, now())?;
        Ok(Json(meeting_json(&st, &config, &m)?))
    })
    .await
}

async fn minutes_pdf(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    use jiuzhu_pdf::{Block, Text};
    blocking(move || {
        let config = load_config(&st)?;
        let m = meeting_in_scope(&st, &user, &id)?;
        let store = st.store.as_ref();
        let mut blocks = vec![
            Block::Field {
                label: Text::zh("评议日期"),
                value: m.held_on.clone(),
            },
            Block::Field {
                label: Text::zh("嘎查村/社区"),
                value: m.village.clone(),
            },
            Block::Field {
                label: Text::zh("表决方式"),
                value: if m.secret {
                    "无记名投票".into()
                } else {
                    "记名投票".into()
                },
            },
            Block::Field {
                label: Text::zh("组织人"),
                value: m.created_by.clone(),
            },
            Block::Table {
                headers: ["姓名", "身份", "回避", "已表决"]
                    .into_iter()
                    .map(Text::zh)
                    .collect(),
                rows: m
                    .roster
                    .iter()
                    .map(|r| {
                        vec![
                            r.name.clone(),
                            meetings::kind_zh(&r.kind).into(),
                            if r.recuse_case_ids.is_empty() {
                                String::new()
                            } else {
                                format!("回避{}户：{}", r.recuse_case_ids.len(), r.recusal_reason)
                            },
                            if r.voted_at.is_some() {
                                "是".into()
                            } else {
                                "否".into()
                            },
                        ]
                    })
                    .collect(),
            },
        ];
        let mut rows = Vec::new();
        for c in &m.case_ids {
            let t = meetings::tally_of(store, &config, &m, c)?;
            let view = c
                .parse()
                .ok()
                .and_then(|id| store.case_view(id).ok().flatten());
            rows.push(vec![
                view.map(|v| v.applicant).unwrap_or_default(),
                t.eligible.to_string(),
                t.voted.to_string(),
                t.agree.to_string(),
                t.disagree.to_string(),
                t.abstain.to_string(),
                t.summary_zh.clone(),
            ]);
        }
        blocks.push(Block::Table {
            headers: ["申请人", "应到", "实到", "同意", "不同意", "弃权", "结果"]
                .into_iter()
                .map(Text::zh)
                .collect(),
            rows,
        });
        if !m.minutes.is_empty() {
            blocks.push(Block::Paragraph(Text::zh(format!(
                "会议记录：{}",
                m.minutes
            ))));
        }
        blocks.push(Block::Signature {
            label: Text::zh(format!("{}人民政府", m.township)),
            name: m.created_by.clone(),
            date: m.held_on.clone(),
        });
        Ok(pdf_response(
            notices::minutes_pdf(&m.title, blocks)?,
            "minutes",
        ))
    })
    .await
}

#[derive(Deserialize)]
struct TownshipQuery {
    township: Option<String>,
}

fn township_of(user: &ConsoleUser, q: &TownshipQuery) -> String {
    q.township
        .clone()
        .filter(|t| user.sees(t))
        .unwrap_or_else(|| user.0.township.clone())
}

async fn publicity_pdf(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<TownshipQuery>,
) -> ApiResult<Response> {
    blocking(move || {
        let config = load_config(&st)?;
        let township = township_of(&user, &q);
        let today = Date::in_china(now());
        let entries: Vec<_> = publicity::publicity(st.store.as_ref(), &township, today)?
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        user.audit(
            &st,
            "print_publicity",
            None,
            json!({"township": township, "entries": entries.len()}),
        )?;
        Ok(pdf_response(
            notices::publicity_pdf(&township, &entries, &config.options.hotline, today)?,
            "publicity",
        ))
    })
    .await
}

async fn roll_pdf(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<TownshipQuery>,
) -> ApiResult<Response> {
    blocking(move || {
        let township = township_of(&user, &q);
        let entries = publicity::roll(st.store.as_ref(), &township)?;
        user.audit(
            &st,
            "print_roll",
            None,
            json!({"township": township, "entries": entries.len()}),
        )?;
        Ok(pdf_response(
            notices::roll_pdf(&township, &entries, Date::in_china(now()))?,
            "roll",
        ))
    })
    .await
}
