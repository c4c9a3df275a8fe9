//! 民主评议 meetings: the township names a roster (with recusal of relatives per case), each
//! representative gets a one-time link to vote on their phone, the server tallies per case with
//! the region's quorum and 2/3 rules and produces minutes. The vote is advisory: the township
//! records its conclusion on each case with `conclude_democratic_review`.
//!
//! Secret ballots are not stored one by one at all: each vote adds to the case's running counts,
//! so neither a column, nor a row's id, nor the order of rows links a vote to a person. Per
//! representative only the cases they have voted on are kept (one ballot per case). While a
//! meeting is open the console shows how many have voted, never the counts; the counts and who
//! voted are shown once it is closed.

use super::config::WorkflowConfig;
use super::flow::{BALLOT, Flow, MEETING, VOTE_LINK};
use super::flows::{in_txn, load_flow};
use super::notices;
use super::service::{ActionInput, act_in, update_facts_in};
use super::{Result, Who, WorkflowError};
use crate::review::text;
use crate::store::{DocTxn, Item, Store, StoreError};
use crate::throttle::{Limit, address_key};
use jiuzhu_pdf::{Block, Text};
use jiuzhu_shared::CaseId;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::{Action, State, Tally, Vote, tally};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub idx: usize,
    pub name: String,
    pub phone: String,
    /// resident | cadre | staff (村(居)民代表 / 村干部 / 乡镇工作人员)
    pub kind: String,
    #[serde(default)]
    pub recuse_case_ids: Vec<String>,
    #[serde(default)]
    pub recusal_reason: String,
    pub voted_at: Option<i64>,
    pub signature_hash: Option<String>,
    /// The cases this representative has voted on (never how).
    #[serde(default)]
    pub voted_cases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: String,
    pub title: String,
    pub township: String,
    pub village: String,
    pub held_on: String,
    pub secret: bool,
    pub open: bool,
    pub minutes: String,
    pub created_by: String,
    pub created_at: i64,
    pub case_ids: Vec<String>,
    pub roster: Vec<RosterEntry>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RosterInput {
    pub name: String,
    #[serde(default)]
    pub phone: String,
    pub kind: String,
    #[serde(default)]
    pub recuse_case_ids: Vec<String>,
    #[serde(default)]
    pub recusal_reason: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MeetingInput {
    pub title: String,
    pub village: String,
    pub held_on: String,
    #[serde(default)]
    pub secret: bool,
    pub case_ids: Vec<String>,
    pub roster: Vec<RosterInput>,
}

/// An open (non-secret) ballot: who voted how.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Ballot {
    meeting: String,
    vote: Vote,
    voter: usize,
}

/// A secret vote's running counts for one case at one meeting (item id `meeting:case`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Counts {
    agree: usize,
    disagree: usize,
    abstain: usize,
}

impl Counts {
    fn add(&mut self, v: Vote) {
        match v {
            Vote::Agree => self.agree += 1,
            Vote::Disagree => self.disagree += 1,
            Vote::Abstain => self.abstain += 1,
        }
    }

    fn votes(&self) -> Vec<Vote> {
        std::iter::repeat_n(Vote::Agree, self.agree)
            .chain(std::iter::repeat_n(Vote::Disagree, self.disagree))
            .chain(std::iter::repeat_n(Vote::Abstain, self.abstain))
            .collect()
    }
}

/// The kind of the secret counts' items.
const COUNTS: &str = "ballot_counts";

fn counts_id(meeting: &str, case: &str) -> String {
    format!("{meeting}:{case}")
}

/// Secret ballots stored one by one before issue 11 (without a voter, under random ids) become
/// their case's counts; returns how many were folded in.
pub fn fold_secret_ballots(txn: &mut dyn DocTxn) -> Result<usize> {
    let mut n = 0;
    for item in txn.items(BALLOT, None)? {
        if !item.body["voter"].is_null() {
            continue;
        }
        let (Some(meeting), Some(case), Ok(vote)) = (
            item.body["meeting"].as_str(),
            item.case_id.as_deref(),
            serde_json::from_value::<Vote>(item.body["vote"].clone()),
        ) else {
            continue;
        };
        let id = counts_id(meeting, case);
        let mut counts: Counts = txn
            .item(COUNTS, &id)?
            .and_then(|i| serde_json::from_value(i.body).ok())
            .unwrap_or_default();
        counts.add(vote);
        txn.put_item(&Item {
            kind: COUNTS.into(),
            id,
            case_id: Some(case.to_string()),
            body: serde_json::to_value(&counts).expect("serialises"),
            at: 0,
        })?;
        txn.delete_item(BALLOT, &item.id)?;
        n += 1;
    }
    Ok(n)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct VoteLink {
    meeting: String,
    idx: usize,
}

pub fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "resident" => "村(居)民代表",
        "cadre" => "村干部",
        "staff" => "乡镇工作人员",
        _ => "其他",
    }
}

fn parse<T: for<'de> Deserialize<'de>>(item: Item) -> Result<T> {
    serde_json::from_value(item.body)
        .map_err(|e| WorkflowError::Store(StoreError::Invalid(format!("stored meeting: {e}"))))
}

fn put_meeting(txn: &mut dyn DocTxn, m: &Meeting, now: i64) -> Result<()> {
    txn.put_item(&Item {
        kind: MEETING.into(),
        id: m.id.clone(),
        case_id: None,
        body: serde_json::to_value(m).expect("a meeting serialises"),
        at: now,
    })?;
    Ok(())
}

pub fn get(store: &dyn Store, id: &str) -> Result<Meeting> {
    parse(
        store
            .item(MEETING, id)?
            .ok_or_else(|| WorkflowError::NotFound("没有这次评议".into()))?,
    )
}

pub fn list(store: &dyn Store) -> Result<Vec<Meeting>> {
    store.items(MEETING, None)?.into_iter().map(parse).collect()
}

/// Create the meeting and move each case into 民主评议 (all or nothing). Returns the meeting and
/// each representative's one-time token (shown once).
pub fn create(
    store: &dyn Store,
    config: &WorkflowConfig,
    township: &str,
    who: &Who,
    input: &MeetingInput,
    now: i64,
) -> Result<(Meeting, Vec<(String, String)>)> {
    let rules = config.options.democratic_review_rules;
    if input.title.trim().is_empty() || input.village.trim().is_empty() {
        return Err(WorkflowError::Invalid("请填写评议名称和嘎查村/社区".into()));
    }
    if input.held_on.parse::<Date>().is_err() {
        return Err(WorkflowError::Invalid("评议日期格式应为 YYYY-MM-DD".into()));
    }
    if input.case_ids.is_empty() {
        return Err(WorkflowError::Invalid("请选择要评议的案件".into()));
    }
    let roster: Vec<&RosterInput> = input
        .roster
        .iter()
        .filter(|r| !r.name.trim().is_empty())
        .collect();
    if roster.len() < rules.min_roster {
        return Err(WorkflowError::Invalid(format!(
            "评议代表至少需要{}人",
            rules.min_roster
        )));
    }
    if let Some(r) = roster
        .iter()
        .find(|r| !matches!(r.kind.as_str(), "resident" | "cadre" | "staff"))
    {
        return Err(WorkflowError::Invalid(format!("{}的身份不正确", r.name)));
    }
    in_txn(store, &mut |txn| {
        let id = super::ordered_id();
        let mut tokens = Vec::new();
        let mut entries = Vec::new();
        for (idx, r) in roster.iter().enumerate() {
            let token = crate::auth::new_token();
            txn.put_item(&Item {
                kind: VOTE_LINK.into(),
                id: crate::auth::hash(&token),
                case_id: None,
                body: serde_json::to_value(VoteLink {
                    meeting: id.clone(),
                    idx,
                })
                .expect("serialises"),
                at: now,
            })?;
            let to_notify = crate::notify::outbox::Meeting {
                id: &id,
                title: input.title.trim(),
                township,
                held_on: &input.held_on,
            };
            if config.notify {
                crate::notify::outbox::ballot_link(txn, &to_notify, &r.phone, &token, now)?;
            }
            tokens.push((r.name.trim().to_string(), token));
            entries.push(RosterEntry {
                idx,
                name: r.name.trim().to_string(),
                phone: r.phone.trim().to_string(),
                kind: r.kind.clone(),
                recuse_case_ids: r.recuse_case_ids.clone(),
                recusal_reason: r.recusal_reason.trim().to_string(),
                voted_at: None,
                signature_hash: None,
                voted_cases: Vec::new(),
            });
        }
        for c in &input.case_ids {
            let case: CaseId = c
                .parse()
                .map_err(|_| WorkflowError::NotFound("没有这个案件".into()))?;
            let flow = load_flow(txn, case)?;
            if flow.township != township {
                return Err(WorkflowError::NotFound("没有这个案件".into()));
            }
            if flow.state != State::DemocraticReview {
                act_in(
                    txn,
                    config,
                    case,
                    who,
                    &ActionInput::new(Action::StartDemocraticReview),
                    now,
                )
                .map_err(|e| match e {
                    WorkflowError::Refused(r) => {
                        WorkflowError::Invalid(format!("{}：{}", flow.case_no, r.zh))
                    }
                    e => e,
                })?;
            }
        }
        let m = Meeting {
            id: id.clone(),
            title: input.title.trim().to_string(),
            township: township.to_string(),
            village: input.village.trim().to_string(),
            held_on: input.held_on.clone(),
            secret: input.secret,
            open: true,
            minutes: String::new(),
            created_by: who.name.clone(),
            created_at: now,
            case_ids: input.case_ids.clone(),
            roster: entries.clone(),
        };
        put_meeting(txn, &m, now)?;
        txn.audit(&crate::audit::AuditEvent::new(
            now,
            who.audit.clone(),
            "create_meeting",
            None,
            json!({ "meeting": id, "cases": input.case_ids, "roster": entries.len() }),
        ))?;
        Ok((m, tokens.clone()))
    })
}

/// The tally of one case at a meeting.
pub fn tally_of(
    store: &dyn Store,
    config: &WorkflowConfig,
    m: &Meeting,
    case: &str,
) -> Result<Tally> {
    let eligible: Vec<&RosterEntry> = m
        .roster
        .iter()
        .filter(|r| !r.recuse_case_ids.iter().any(|c| c == case))
        .collect();
    let residents = eligible.iter().filter(|r| r.kind == "resident").count();
    let votes: Vec<Vote> = if m.secret {
        store
            .item(COUNTS, &counts_id(&m.id, case))?
            .and_then(|i| serde_json::from_value::<Counts>(i.body).ok())
            .unwrap_or_default()
            .votes()
    } else {
        store
            .items(BALLOT, Some(case))?
            .into_iter()
            .filter_map(|i| serde_json::from_value::<Ballot>(i.body).ok())
            .filter(|b| b.meeting == m.id)
            .map(|b| b.vote)
            .collect()
    };
    Ok(tally(
        eligible.len(),
        residents,
        &votes,
        &config.options.democratic_review_rules,
    ))
}

/// The meeting a representative's link opens, and their place on the roster.
/// Ballot-link lookups that found nothing, per network address: links are 256-bit random, so
/// guessing is hopeless anyway; the limit stops a script from hammering the lookup.
const BAD_LINKS: Limit = Limit {
    kind: "ballot_link_address",
    max: 10,
    window_s: 3600,
};

/// Run `lookup` (which reads a ballot link) for a client at `addr`: refused once the address
/// has had too many links not found. The attempt is counted before it runs (so concurrent
/// guesses cannot pass together) and given back when the link was found.
pub fn with_link<T>(
    store: &dyn Store,
    addr: Option<std::net::IpAddr>,
    now: i64,
    lookup: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let key = address_key(addr);
    if let Some(t) = BAD_LINKS.take(store, &key, now)? {
        return Err(WorkflowError::Throttled(t));
    }
    let r = lookup();
    if !matches!(r, Err(WorkflowError::NotFound(_))) {
        store.transact(&mut |txn| BAD_LINKS.uncount(txn, &key, now))?;
    }
    r
}

pub fn by_token(store: &dyn Store, token: &str) -> Result<(Meeting, usize)> {
    let invalid = || WorkflowError::NotFound("链接无效或已使用，请联系乡镇工作人员".into());
    let link: VoteLink = parse(
        store
            .item(VOTE_LINK, &crate::auth::hash(token))?
            .ok_or_else(invalid)?,
    )?;
    let m = get(store, &link.meeting)?;
    if !m.open {
        return Err(WorkflowError::NotFound("本次评议表决已结束".into()));
    }
    Ok((m, link.idx))
}

fn duplicate_vote() -> WorkflowError {
    WorkflowError::Refused(jiuzhu_shared::workflow::Refusal {
        code: "duplicate_vote",
        zh: "每位代表对每一户只能表决一次".into(),
    })
}

/// Record a representative's votes — one for each household they may judge, none twice — and
/// spend their link.
pub fn vote(
    store: &dyn Store,
    blobs: &crate::blobs::BlobDir,
    token: &str,
    votes: &[(String, Vote)],
    signature_png: &[u8],
    now: i64,
) -> Result<()> {
    let (m, idx) = by_token(store, token)?;
    let me = &m.roster[idx];
    let cases: Vec<&String> = m
        .case_ids
        .iter()
        .filter(|c| !me.recuse_case_ids.contains(c))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for (c, _) in votes {
        if !cases.contains(&c) {
            return Err(WorkflowError::Invalid(
                "表决中有不属于本次评议（或您须回避）的家庭".into(),
            ));
        }
        if !seen.insert(c) || me.voted_cases.contains(c) {
            return Err(duplicate_vote());
        }
    }
    if seen.len() < cases.len() {
        return Err(WorkflowError::Invalid(
            "请对每一户都作出表决（同意、不同意或弃权）".into(),
        ));
    }
    if image::guess_format(signature_png).ok() != Some(image::ImageFormat::Png) {
        return Err(WorkflowError::Invalid("请先签名".into()));
    }
    let hash = jiuzhu_shared::BlobHash::of(signature_png);
    blobs
        .append(&hash, 0, signature_png.len() as u64, signature_png)
        .map_err(|e| WorkflowError::Invalid(format!("签名保存失败：{e}")))?;
    in_txn(store, &mut |txn| {
        // Spend the link first: a replayed request finds it gone and changes nothing.
        let link_id = crate::auth::hash(token);
        if txn.item(VOTE_LINK, &link_id)?.is_none() {
            return Err(WorkflowError::NotFound("链接无效或已使用".into()));
        }
        txn.delete_item(VOTE_LINK, &link_id)?;
        let mut m: Meeting = parse(
            txn.item(MEETING, &m.id)?
                .ok_or_else(|| WorkflowError::NotFound("没有这次评议".into()))?,
        )?;
        // Checked again inside the transaction: two requests racing with one link meet here.
        if votes
            .iter()
            .any(|(c, _)| m.roster[idx].voted_cases.contains(c))
        {
            return Err(duplicate_vote());
        }
        for (case, v) in votes {
            if m.secret {
                let id = counts_id(&m.id, case);
                let mut counts: Counts = txn
                    .item(COUNTS, &id)?
                    .and_then(|i| serde_json::from_value(i.body).ok())
                    .unwrap_or_default();
                counts.add(*v);
                txn.put_item(&Item {
                    kind: COUNTS.into(),
                    id,
                    case_id: Some(case.clone()),
                    body: serde_json::to_value(&counts).expect("serialises"),
                    at: 0,
                })?;
            } else {
                txn.put_item(&Item {
                    kind: BALLOT.into(),
                    id: super::ordered_id(),
                    case_id: Some(case.clone()),
                    body: serde_json::to_value(Ballot {
                        meeting: m.id.clone(),
                        vote: *v,
                        voter: idx,
                    })
                    .expect("serialises"),
                    at: now,
                })?;
            }
            m.roster[idx].voted_cases.push(case.clone());
        }
        m.roster[idx].voted_at = Some(now);
        m.roster[idx].signature_hash = Some(hash.to_string());
        put_meeting(txn, &m, now)?;
        txn.audit(&crate::audit::AuditEvent::new(
            now,
            format!("representative {}", m.roster[idx].name),
            "vote",
            None,
            json!({ "meeting": m.id }),
        ))?;
        Ok(())
    })
}

/// Close voting and record the minutes on each case (the township then concludes).
pub fn close(
    store: &dyn Store,
    config: &WorkflowConfig,
    id: &str,
    who: &Who,
    minutes: &str,
    now: i64,
) -> Result<Meeting> {
    in_txn(store, &mut |txn| {
        let mut m: Meeting = parse(
            txn.item(MEETING, id)?
                .ok_or_else(|| WorkflowError::NotFound("没有这次评议".into()))?,
        )?;
        if !m.open {
            return Err(WorkflowError::Invalid("本次评议已结束".into()));
        }
        m.open = false;
        m.minutes = minutes.trim().to_string();
        put_meeting(txn, &m, now)?;
        for c in &m.case_ids {
            let case: CaseId = c
                .parse()
                .map_err(|_| WorkflowError::NotFound("没有这个案件".into()))?;
            update_facts_in(
                txn,
                config,
                case,
                who,
                ("close_meeting", json!({ "meeting": m.id })),
                now,
                &mut |f| {
                    f.review_minutes_recorded = true;
                    Ok(())
                },
            )?;
        }
        Ok(m.clone())
    })
}

/// What a representative judges for each household they may vote on, masked as on 公示: the
/// applicant's name with the given name masked, the household size, the programme, the verified
/// income per person against the line it is measured by, the proposed amount, the 初审意见 and the
/// investigation's main findings (names and long numbers masked). No ID numbers, addresses or
/// health details.
pub fn ballot_cases(
    store: &dyn Store,
    flows: &[Flow],
    rules: Option<&jiuzhu_shared::rules::RegionConfig>,
    (m, idx): (&Meeting, usize),
    today: Date,
) -> Vec<serde_json::Value> {
    use jiuzhu_shared::workflow::publicity::{mask_name, mask_text};
    let me = &m.roster[idx];
    m.case_ids
        .iter()
        .filter(|c| !me.recuse_case_ids.contains(c))
        .filter_map(|c| flows.iter().find(|f| &f.case_id == c))
        .map(|f| {
            let doc = f
                .id()
                .ok()
                .and_then(|id| crate::cases::load_case(store, id).ok())
                .and_then(|d| d.read().ok());
            let names: Vec<String> = doc
                .iter()
                .flat_map(|d| d.declared.members.iter().map(|m| m.name.clone()))
                .chain(doc.iter().map(|d| d.header.applicant_name.clone()))
                .collect();
            let proposal = doc.as_ref().zip(rules).and_then(|(d, r)| {
                let p = crate::proposals::for_case(r, d, today).ok()?;
                p.verified.or(Some(p.declared))
            });
            let opinion = f
                .facts
                .opinion
                .as_ref()
                .or(f.facts.previous_opinion.as_ref());
            let findings: Vec<String> = doc
                .iter()
                .flat_map(|d| d.findings.iter().map(|x| mask_text(&x.text, &names)))
                .collect();
            json!({
                "case_id": f.case_id,
                "applicant": mask_name(doc.as_ref().map(|d| d.header.applicant_name.as_str()).unwrap_or_default()),
                "household_size": super::reviews::household_size(store, f),
                "programme_zh": f.programme.zh(),
                "verified_income_per_capita_fen": proposal.as_ref().and_then(|p| p.per_capita_monthly_income_fen),
                "standard_fen": proposal.as_ref().map(|p| p.standard_fen),
                "proposed_amount_fen": opinion.map(|o| o.amount_fen),
                "opinion": opinion.map(|o| mask_text(&o.text, &names)),
                "findings": findings,
            })
        })
        .collect()
}

/// The console's `Meeting` answer: the meeting, each case with its tally, and the roster (who
/// has voted, never how).
pub fn to_json(store: &dyn Store, config: &WorkflowConfig, m: &Meeting) -> Result<Value> {
    let mut cases = Vec::new();
    for c in &m.case_ids {
        let id: CaseId = c
            .parse()
            .map_err(|_| WorkflowError::NotFound(text::NOT_FOUND.into()))?;
        let view = store.case_view(id)?;
        // While voting runs, counts beside the roster would tell who voted how.
        let tally = if m.open {
            Value::Null
        } else {
            json!(tally_of(store, config, m, c)?)
        };
        cases.push(json!({
            "case_id": c, "case_no": view.as_ref().map(|v| v.case_no.clone()),
            "applicant": view.as_ref().map(|v| v.applicant.clone()),
            "tally": tally,
        }));
    }
    let roster: Vec<Value> = m
        .roster
        .iter()
        .map(|r| json!({"idx": r.idx, "name": r.name, "kind": r.kind, "kind_zh": kind_zh(&r.kind), "recused_case_ids": r.recuse_case_ids, "recusal_reason": r.recusal_reason, "voted": (!m.open).then_some(r.voted_at.is_some())}))
        .collect();
    Ok(json!({
        "id": m.id, "title": m.title, "township": m.township, "village": m.village, "held_on": m.held_on,
        "secret": m.secret, "open": m.open, "minutes": m.minutes, "created_by": m.created_by,
        "created_at": m.created_at, "cases": cases, "roster": roster,
        "voted_count": m.roster.iter().filter(|r| r.voted_at.is_some()).count(),
    }))
}

/// The minutes as a PDF: date, village, voting mode, organiser, the roster with recusals, each
/// case's tally, the minutes text and the township's signature block.
pub fn minutes_pdf(store: &dyn Store, config: &WorkflowConfig, m: &Meeting) -> Result<Vec<u8>> {
    if m.open {
        return Err(WorkflowError::Refused(jiuzhu_shared::workflow::Refusal {
            code: "meeting_open",
            zh: "评议表决尚未结束，结束后才能生成会议记录".into(),
        }));
    }
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
                        kind_zh(&r.kind).into(),
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
        let t = tally_of(store, config, m, c)?;
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
    notices::minutes_pdf(&m.title, blocks)
}
