//! The transition table, its roles and preconditions, and the time limits (domain §2, §4).

use super::calendar::{Calendar, add_days, deadline};
use super::options::{Decider, Options, ReviewMode, ReviewOrder};
use super::state::{Action, CaseKind, Programme, Role, State};
use crate::rules::date::Date;
use serde::{Deserialize, Serialize};

/// What the latest visit (入户调查) established, as the server reads it from the case document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitFacts {
    /// Sealed (`finalize`d) on the tablet.
    pub finalized: bool,
    /// Distinct investigator identities whose signatures are bound to the visit (S1 Art. 16: ≥2).
    pub investigator_signers: Vec<String>,
    /// The township accepted this visit (验收); a later correction needs its own acceptance.
    pub accepted: bool,
}

/// Named reasons that allow extending the overall limit to 45 working days (S6 §四(一)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionReason {
    /// 公示有异议
    ObjectionDuringPublicity,
    /// 人户分离
    ResidenceApart,
    /// 异地申请
    OutsideRegistration,
    /// 家庭情况复杂、调查核实困难
    HardToInvestigate,
}

/// Everything a precondition looks at. The engine reads it and never changes it: the server builds
/// it from its workflow records and the case document, so the tablet and the server agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    pub programme: Programme,
    pub kind: CaseKind,
    /// The date the action is taken (China date, `Date::in_china`).
    pub today: Date,
    /// 承诺书 signed (S1 Arts. 4, 9; S2 Art. 10).
    pub promise_signed: bool,
    /// 授权核对 consent signed (by the 特困 applicant's 法定义务人 too).
    pub consent_signed: bool,
    /// Every item still missing, listed at once (S1 Art. 10 "一次性告知").
    pub missing_items: Vec<String>,
    /// The applicant has uploaded material answering the 补正 notice.
    pub supplement_provided: bool,
    /// Investigators assigned to the team.
    pub team: Vec<String>,
    pub visit: Option<VisitFacts>,
    /// 急难型: the 情况说明 completed afterwards (事后补充说明, S9 §二(二)).
    pub situation_recorded: bool,
    /// 信息核对 shows ineligibility (S1 Art. 18).
    pub check_failed: bool,
    /// The time the applicant has to object to the 核对 result (`Options::check_objection_days`
    /// from the notice) has passed [L].
    pub check_objection_window_closed: bool,
    /// A member refused to cooperate without good reason (S1 Art. 29).
    pub refused_cooperation: bool,
    /// 单独登记备案 (S1 Art. 15): a member is a close relative of a case official or village cadre.
    pub separately_registered: bool,
    /// A complaint or report (投诉/举报) arrived during 审核确认 (S1 Art. 20).
    pub complaint_during_review: bool,
    /// The deciding authority did its own 入户调查.
    pub decider_visit_done: bool,
    /// 民主评议 minutes and votes recorded.
    pub review_minutes_recorded: bool,
    /// A 民主评议 has been concluded for this case.
    pub democratic_review_done: bool,
    /// The 初审意见 is signed.
    pub opinion_signed: bool,
    /// First day of the current 公示.
    pub publicity_started: Option<Date>,
    /// The current 初审意见 completed its 公示 (the server clears this when a new opinion follows an
    /// objection).
    pub publicity_done: bool,
    /// An objection was raised during a 公示 of this case.
    pub objection_raised: bool,
    /// An objection is registered and not yet handled.
    pub objection_open: bool,
    /// The amount (and start month) is set.
    pub amount_set: bool,
    /// Change review proposing to end the support (特困 termination needs 公示, S2 Art. 26).
    pub terminating: bool,
    /// The reason or content written with this action (rejection, stop, termination, objection,
    /// 先行救助 reason, the township's conclusion of a review).
    pub reason: Option<String>,
    /// A named reason to extend the overall limit to 45 working days.
    pub extension: Option<ExtensionReason>,
}

impl CaseFacts {
    /// A fresh case with nothing done yet.
    pub fn new(programme: Programme, kind: CaseKind, today: Date) -> Self {
        CaseFacts {
            programme,
            kind,
            today,
            promise_signed: false,
            consent_signed: false,
            missing_items: Vec::new(),
            supplement_provided: false,
            team: Vec::new(),
            visit: None,
            situation_recorded: false,
            check_failed: false,
            check_objection_window_closed: false,
            refused_cooperation: false,
            separately_registered: false,
            complaint_during_review: false,
            decider_visit_done: false,
            review_minutes_recorded: false,
            democratic_review_done: false,
            opinion_signed: false,
            publicity_started: None,
            publicity_done: false,
            objection_raised: false,
            objection_open: false,
            amount_set: false,
            terminating: false,
            reason: None,
            extension: None,
        }
    }
}

/// How a limit is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "unit", content = "n")]
pub enum Span {
    WorkingDays(u32),
    CalendarDays(u32),
}

/// From which date a limit runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The day the case entered the state.
    Entered,
    /// The day of 受理.
    Accepted,
}

/// A time limit with its legal source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limit {
    pub code: &'static str,
    pub span: Span,
    pub anchor: Anchor,
    pub zh: &'static str,
    pub source: &'static str,
}

impl Limit {
    /// The last day allowed.
    pub fn due(&self, calendar: &Calendar, entered: Date, accepted: Option<Date>) -> Date {
        let start = match self.anchor {
            Anchor::Entered => entered,
            Anchor::Accepted => accepted.unwrap_or(entered),
        };
        match self.span {
            Span::WorkingDays(n) => deadline(calendar, start, n),
            Span::CalendarDays(n) => add_days(start, i64::from(n)),
        }
    }
}

/// An allowed move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: State,
    pub to: State,
    pub action: Action,
    pub role: Role,
    /// The limit that starts when the case enters `to`, if any.
    pub limit: Option<Limit>,
}

/// Why a move is refused: a stable code for programs and a Chinese sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {zh}")]
pub struct Refusal {
    pub code: &'static str,
    pub zh: String,
}

fn refuse(code: &'static str, zh: impl Into<String>) -> Refusal {
    Refusal {
        code,
        zh: zh.into(),
    }
}

const APPLICANT_SIDE: &[Role] = &[Role::Applicant, Role::Caseworker];
const CASEWORKER: &[Role] = &[Role::Caseworker];
const TOWNSHIP: &[Role] = &[Role::Caseworker, Role::Lead];
const TOWNSHIP_OR_BUREAU: &[Role] = &[Role::Caseworker, Role::Lead, Role::Bureau];
const LEAD: &[Role] = &[Role::Lead];
const LEAD_OR_BUREAU: &[Role] = &[Role::Lead, Role::Bureau];
const BUREAU: &[Role] = &[Role::Bureau];

/// The role of the deciding authority (审核确认): the bureau, or the township lead if delegated.
pub fn decider_roles(options: &Options) -> &'static [Role] {
    match options.decider {
        Decider::Bureau => BUREAU,
        Decider::Township => LEAD,
    }
}

/// Where `action` leads from `from` for this programme and case kind, and who may take it
/// (preconditions not checked).
pub fn route(
    case: &CaseFacts,
    from: State,
    action: Action,
    options: &Options,
) -> Option<(State, &'static [Role])> {
    use Action as A;
    use State as S;
    let urgent = case.programme == Programme::TemporaryUrgent;
    let review = case.kind == CaseKind::ChangeReview;
    let decider = decider_roles(options);
    // A 探访 is only the visit: assigned, sealed, accepted (or returned), closed.
    let visit = case.kind == CaseKind::Visit;
    if visit
        && !matches!(
            action,
            A::StartInvestigation
                | A::AcceptVisit
                | A::ReturnVisit
                | A::ChangeTeam
                | A::ResolveConflict
                | A::CloseVisit
        )
    {
        return None;
    }
    Some(match (from, action) {
        (S::Draft, A::Submit) if !review => (S::Submitted, APPLICANT_SIDE),
        (S::Submitted, A::RequestSupplement) => (S::NeedsSupplement, CASEWORKER),
        (S::NeedsSupplement, A::Resubmit) => (S::Submitted, APPLICANT_SIDE),
        (S::Submitted, A::Accept) => (S::Accepted, CASEWORKER),
        (S::Accepted, A::GrantAdvanceAid) if urgent => (S::AdvanceAided, LEAD),
        (S::Accepted, A::StartInvestigation) => (S::Investigating, LEAD),
        (S::Investigating, A::NotifyCheckFailed) if !urgent => (S::CheckFailedNotified, CASEWORKER),
        (S::CheckFailedNotified, A::ObjectToCheck) => (S::Recheck, APPLICANT_SIDE),
        (S::CheckFailedNotified, A::CloseIneligible) => (S::ClosedIneligible, CASEWORKER),
        (S::Recheck | S::ObjectionHandling, A::Reinvestigate) => (S::Investigating, LEAD),
        (S::Investigating, A::Terminate) => (S::Terminated, LEAD_OR_BUREAU),
        (S::Investigating, A::WriteOpinion) => (S::PrelimOpinion, LEAD),
        (S::AdvanceAided, A::WriteOpinion) if urgent => (S::PrelimOpinion, LEAD),
        (S::Investigating | S::Publicity | S::ObjectionHandling, A::StartDemocraticReview)
            if !urgent && !review =>
        {
            (S::DemocraticReview, LEAD)
        }
        (S::DemocraticReview, A::ConcludeDemocraticReview) => (S::PrelimOpinion, LEAD),
        (S::PrelimOpinion, A::StartPublicity) => (S::Publicity, LEAD),
        (S::Publicity, A::RaiseObjection) => (S::ObjectionHandling, CASEWORKER),
        (S::PrelimOpinion | S::Publicity, A::Report) => (S::Reported, LEAD),
        (S::Reported, A::Receive) => (S::CountyReview, decider),
        (S::CountyReview, A::Approve) => (S::Approved, decider),
        (S::CountyReview, A::Reject) if !review => (S::Rejected, decider),
        (S::CountyReview, A::Stop) if review => (S::Stopped, decider),
        (S::Approved, A::PublishRoll) if !review => (S::Published, decider),
        (S::Approved, A::Activate) if review => (S::Active, decider),
        (S::Published, A::Activate) => (S::Active, decider),
        (S::Investigating, A::CloseVisit) if visit => (S::VisitClosed, LEAD),
        // Steps that keep the state.
        (S::Investigating, A::AcceptVisit | A::ReturnVisit | A::ChangeTeam) => {
            (S::Investigating, TOWNSHIP)
        }
        (s, A::ResolveConflict)
            if !s.is_final() && !matches!(s, S::Draft | S::Submitted | S::NeedsSupplement) =>
        {
            (s, TOWNSHIP)
        }
        (s @ (S::Accepted | S::AdvanceAided | S::Investigating), A::RecordSituation) if urgent => {
            (s, TOWNSHIP)
        }
        (S::Investigating, A::RecordCheckResult) if !urgent => (S::Investigating, TOWNSHIP),
        (S::CountyReview, A::RegisterComplaint) => (S::CountyReview, TOWNSHIP_OR_BUREAU),
        (S::CountyReview, A::RecordDeciderVisit) => (S::CountyReview, decider),
        _ => return None,
    })
}

fn role_names(roles: &[Role]) -> String {
    roles.iter().map(|r| r.zh()).collect::<Vec<_>>().join("或")
}

/// Whether `role` may take `action` on a case in state `from`, and where it leads.
pub fn allowed(
    case: &CaseFacts,
    from: State,
    action: Action,
    role: Role,
    options: &Options,
) -> Result<Transition, Refusal> {
    let Some((to, roles)) = route(case, from, action, options) else {
        return Err(refuse(
            "not_allowed_from_state",
            format!(
                "{}{}案件处于「{}」状态，不能执行「{}」",
                case.programme.zh(),
                case.kind.zh(),
                from.zh(),
                action.zh()
            ),
        ));
    };
    if !roles.contains(&role) {
        return Err(refuse(
            "wrong_role",
            format!(
                "「{}」须由{}执行，{}无此权限",
                action.zh(),
                role_names(roles),
                role.zh()
            ),
        ));
    }
    preconditions(case, from, action, options)?;
    Ok(Transition {
        from,
        to,
        action,
        role,
        limit: limit_on_entry(to, case, options),
    })
}

fn has_reason(case: &CaseFacts) -> bool {
    case.reason.as_deref().is_some_and(|r| !r.trim().is_empty())
}

fn need_reason(case: &CaseFacts, what: &str) -> Result<(), Refusal> {
    if has_reason(case) {
        Ok(())
    } else {
        Err(refuse("reason_required", format!("请填写{what}")))
    }
}

fn need_team(case: &CaseFacts) -> Result<(), Refusal> {
    let mut team: Vec<&str> = case.team.iter().map(|s| s.trim()).collect();
    team.sort_unstable();
    team.dedup();
    team.retain(|s| !s.is_empty());
    if team.len() < 2 {
        return Err(refuse(
            "team_too_small",
            "调查组至少需要两名不同的调查员（《最低生活保障审核确认办法》第十五条）",
        ));
    }
    Ok(())
}

fn need_finalized_visit(case: &CaseFacts) -> Result<&VisitFacts, Refusal> {
    match &case.visit {
        Some(v) if v.finalized => Ok(v),
        _ => Err(refuse(
            "visit_not_finalized",
            "入户调查尚未完成并封存，不能出具初审意见",
        )),
    }
}

/// A sealed visit signed by at least two different investigators.
fn need_two_signers(case: &CaseFacts) -> Result<&VisitFacts, Refusal> {
    let visit = need_finalized_visit(case)?;
    let mut signers: Vec<&str> = visit
        .investigator_signers
        .iter()
        .map(|s| s.trim())
        .collect();
    signers.sort_unstable();
    signers.dedup();
    signers.retain(|s| !s.is_empty());
    if signers.len() < 2 {
        return Err(refuse(
            "visit_signatures_insufficient",
            "入户调查表须有至少两名不同调查员签字（《最低生活保障审核确认办法》第十六条）",
        ));
    }
    Ok(visit)
}

/// A sealed visit, signed by two investigators, that the township accepted.
fn need_signed_visit(case: &CaseFacts) -> Result<(), Refusal> {
    if !need_two_signers(case)?.accepted {
        return Err(refuse("visit_not_accepted", "入户调查结果尚未验收"));
    }
    Ok(())
}

/// The last day of a 公示 posted on `start`: days are counted from the next day (《民法典》
/// 第二百零一条: 开始的当日不计入), so "7天" posted on the 1st ends at the end of the 8th.
pub fn publicity_last_day(start: Date, options: &Options) -> Date {
    add_days(start, i64::from(options.publicity_days))
}

fn publicity_over(case: &CaseFacts, options: &Options) -> Result<(), Refusal> {
    let Some(start) = case.publicity_started else {
        return Err(refuse("publicity_not_started", "尚未开始公示"));
    };
    let last = publicity_last_day(start, options);
    if case.today <= last {
        return Err(refuse(
            "publicity_not_over",
            format!(
                "公示期{}天至{last}止，期满后方可继续",
                options.publicity_days
            ),
        ));
    }
    if case.objection_open {
        return Err(refuse("objection_open", "公示期间有未处理的异议"));
    }
    Ok(())
}

fn review_before(options: &Options) -> bool {
    options.democratic_review == ReviewMode::Always
        && options.democratic_review_order == ReviewOrder::BeforePublicity
}

fn review_after(options: &Options) -> bool {
    options.democratic_review == ReviewMode::Always
        && options.democratic_review_order == ReviewOrder::AfterPublicity
}

fn review_required() -> Refusal {
    refuse(
        "democratic_review_required",
        "本地区规定须先进行民主评议（评议结果仅供参考，由乡镇形成结论）",
    )
}

fn need_decider_visit(case: &CaseFacts) -> Result<(), Refusal> {
    if (case.separately_registered || case.complaint_during_review) && !case.decider_visit_done {
        let why = if case.separately_registered {
            "单独登记备案"
        } else {
            "审核确认期间有投诉举报"
        };
        return Err(refuse(
            "decider_visit_required",
            format!(
                "该案件属{why}，审核确认机关须自行入户调查（《最低生活保障审核确认办法》第二十条）"
            ),
        ));
    }
    Ok(())
}

fn preconditions(
    case: &CaseFacts,
    from: State,
    action: Action,
    options: &Options,
) -> Result<(), Refusal> {
    use Action as A;
    use State as S;
    let urgent = case.programme == Programme::TemporaryUrgent;
    let review = case.kind == CaseKind::ChangeReview;
    match action {
        A::Submit => {
            if !case.promise_signed {
                return Err(refuse("promise_missing", "请先签署承诺书"));
            }
            if !case.consent_signed {
                return Err(refuse("consent_missing", "请先签署授权核对书"));
            }
        }
        A::RequestSupplement => {
            if case.missing_items.iter().all(|i| i.trim().is_empty()) {
                return Err(refuse(
                    "missing_items_not_listed",
                    "请一次性列明全部需补正的材料（《最低生活保障审核确认办法》第十条）",
                ));
            }
        }
        A::Resubmit => {
            if !case.supplement_provided {
                return Err(refuse("supplement_not_provided", "尚未提交补正材料"));
            }
        }
        A::Accept => {
            if !case.missing_items.is_empty() {
                return Err(refuse(
                    "missing_items_open",
                    format!("材料不齐，仍缺：{}", case.missing_items.join("、")),
                ));
            }
            if !case.promise_signed || !case.consent_signed {
                return Err(refuse("consent_missing", "承诺书或授权核对书未签署"));
            }
        }
        A::GrantAdvanceAid => need_reason(case, "先行救助的事由")?,
        A::StartInvestigation | A::Reinvestigate => need_team(case)?,
        A::NotifyCheckFailed => {
            if !case.check_failed {
                return Err(refuse("check_not_failed", "信息核对结果未显示不符合条件"));
            }
        }
        A::ObjectToCheck => {
            if case.check_objection_window_closed {
                return Err(refuse(
                    "objection_window_closed",
                    "对核对结果提出异议的期限已过",
                ));
            }
            need_reason(case, "异议内容及证明材料说明")?
        }
        A::CloseIneligible => {
            if !case.check_objection_window_closed {
                return Err(refuse(
                    "objection_window_open",
                    "申请人提出异议的期限尚未届满",
                ));
            }
        }
        A::Terminate => {
            if !case.refused_cooperation {
                return Err(refuse(
                    "refusal_not_recorded",
                    "未记录家庭成员无正当理由拒不配合调查的情况（《最低生活保障审核确认办法》第二十九条）",
                ));
            }
            need_reason(case, "终止理由")?;
        }
        A::WriteOpinion => {
            if urgent {
                if !case.situation_recorded {
                    return Err(refuse(
                        "situation_not_recorded",
                        "急难型临时救助须补充情况说明后方可出具意见",
                    ));
                }
            } else {
                need_signed_visit(case)?;
                if !review && review_before(options) && !case.democratic_review_done {
                    return Err(review_required());
                }
            }
        }
        A::StartDemocraticReview => {
            if options.democratic_review == ReviewMode::Never {
                return Err(refuse("democratic_review_disabled", "本地区未启用民主评议"));
            }
            match from {
                S::Investigating if !review_before(options) => {
                    return Err(refuse(
                        "democratic_review_not_now",
                        "本地区民主评议不在公示前进行",
                    ));
                }
                S::Investigating => need_signed_visit(case)?,
                S::Publicity if !review_after(options) => {
                    return Err(refuse(
                        "democratic_review_not_now",
                        "本地区民主评议仅在公示有异议时进行",
                    ));
                }
                S::Publicity => publicity_over(case, options)?,
                _ => {}
            }
            if case.democratic_review_done && from != S::ObjectionHandling {
                return Err(refuse("democratic_review_done", "该案件已进行过民主评议"));
            }
        }
        A::ConcludeDemocraticReview => {
            if !case.review_minutes_recorded {
                return Err(refuse("minutes_missing", "评议记录和表决结果尚未录入"));
            }
            need_reason(case, "乡镇的评议结论")?;
        }
        A::StartPublicity => {
            if !case.opinion_signed {
                return Err(refuse("opinion_not_signed", "初审意见尚未签署"));
            }
        }
        A::RaiseObjection => need_reason(case, "异议内容")?,
        A::Report => {
            if from == S::Publicity {
                publicity_over(case, options)?;
                if !review && review_after(options) && !case.democratic_review_done {
                    return Err(review_required());
                }
            } else {
                if !case.opinion_signed {
                    return Err(refuse("opinion_not_signed", "初审意见尚未签署"));
                }
                let needs_publicity = match (case.programme, case.kind) {
                    (Programme::TemporaryUrgent, _) => false,
                    (Programme::Tekun, CaseKind::ChangeReview) => {
                        case.terminating && !case.publicity_done
                    }
                    (_, CaseKind::ChangeReview | CaseKind::Visit) => false,
                    (Programme::Tekun, CaseKind::Application) => !case.publicity_done,
                    (_, CaseKind::Application) => !case.publicity_done && !case.objection_raised,
                };
                if needs_publicity {
                    return Err(refuse("publicity_required", "须先完成公示方可报送"));
                }
            }
        }
        A::Receive | A::PublishRoll | A::Activate | A::RecordCheckResult => {}
        A::AcceptVisit => {
            if !case.visit.as_ref().is_some_and(|v| v.finalized) {
                return Err(refuse(
                    "visit_not_finalized",
                    "入户调查尚未签字封存，不能验收",
                ));
            }
            if need_two_signers(case)?.accepted {
                return Err(refuse("visit_already_accepted", "该次入户调查已验收"));
            }
        }
        A::ReturnVisit => need_reason(case, "退回补正的意见")?,
        A::CloseVisit => need_signed_visit(case)?,
        A::ChangeTeam => need_team(case)?,
        A::ResolveConflict => need_reason(case, "选择该值的理由")?,
        A::RecordSituation => need_reason(case, "情况说明")?,
        A::RegisterComplaint => need_reason(case, "投诉举报的内容")?,
        A::RecordDeciderVisit => need_reason(case, "入户核查的情况")?,
        A::Approve => {
            if !urgent {
                need_finalized_visit(case).map_err(|_| {
                    refuse(
                        "investigation_missing",
                        "未经家庭经济状况调查不得纳入（《最低生活保障审核确认办法》第二十八条）",
                    )
                })?;
            }
            need_decider_visit(case)?;
            if !case.amount_set {
                return Err(refuse("amount_not_set", "尚未确定保障金额和起始月份"));
            }
        }
        A::Reject => {
            need_decider_visit(case)?;
            need_reason(case, "不予确认的理由")?;
        }
        A::Stop => {
            need_reason(case, "停发理由")?;
            if case.programme == Programme::Tekun && case.terminating && !case.publicity_done {
                return Err(refuse(
                    "publicity_required",
                    "终止特困供养须先公示7天（《特困人员认定办法》第二十六条）",
                ));
            }
        }
    }
    Ok(())
}

/// The limit that starts when a case enters `state`.
pub fn limit_on_entry(state: State, case: &CaseFacts, options: &Options) -> Option<Limit> {
    let tekun = case.programme == Programme::Tekun;
    match state {
        State::Accepted if case.programme != Programme::TemporaryUrgent => Some(Limit {
            code: "investigation_start",
            span: Span::WorkingDays(3),
            anchor: Anchor::Entered,
            zh: "受理后3个工作日内启动调查",
            source: "S1 Arts. 11, 15",
        }),
        State::Investigating if tekun && case.kind == CaseKind::Application => Some(Limit {
            code: "investigation_and_opinion",
            span: Span::WorkingDays(15),
            anchor: Anchor::Accepted,
            zh: "受理后15个工作日内完成调查并提出初审意见",
            source: "S2",
        }),
        State::Publicity => Some(Limit {
            code: "publicity",
            span: Span::CalendarDays(options.publicity_days),
            anchor: Anchor::Entered,
            zh: "公示期（自然日）",
            source: "S1 Art. 19 (calendar days: [R])",
        }),
        State::ObjectionHandling if tekun => Some(Limit {
            code: "objection_new_opinion",
            span: Span::WorkingDays(15),
            anchor: Anchor::Entered,
            zh: "15个工作日内重新调查并提出初审意见，重新公示",
            source: "S2",
        }),
        State::CountyReview => Some(Limit {
            code: "decision",
            span: Span::WorkingDays(if tekun { 15 } else { 10 }),
            anchor: Anchor::Entered,
            zh: "收到材料后作出审核确认决定",
            source: if tekun { "S2" } else { "S1 Art. 20" },
        }),
        State::CheckFailedNotified => Some(Limit {
            code: "check_objection",
            span: Span::CalendarDays(options.check_objection_days),
            anchor: Anchor::Entered,
            zh: "申请人对核对结果提出异议的期限（自然日）",
            source: "S1 Art. 18 (length: local [L])",
        }),
        State::Rejected => Some(Limit {
            code: "rejection_notice",
            span: Span::WorkingDays(3),
            anchor: Anchor::Entered,
            zh: "作出决定后3个工作日内书面告知并说明理由",
            source: "S1 Art. 21",
        }),
        _ => None,
    }
}

/// The overall 低保 limit from 受理 to decision: 30 working days, 20 if the decision is delegated
/// to the township, 45 with a named extension reason (S1 Art. 22; S6 §四(一)). `None` for the
/// other programmes and for change reviews (no overall limit is stated for them).
pub fn overall_limit(case: &CaseFacts, options: &Options) -> Option<Limit> {
    if case.programme != Programme::Dibao || case.kind != CaseKind::Application {
        return None;
    }
    let (n, zh) = match (case.extension, options.decider) {
        (Some(_), _) => (45, "特殊情况延长至45个工作日"),
        (None, Decider::Township) => (20, "审核确认权下放乡镇，20个工作日内办结"),
        (None, Decider::Bureau) => (30, "受理至审核确认30个工作日内办结"),
    };
    Some(Limit {
        code: "overall",
        span: Span::WorkingDays(n),
        anchor: Anchor::Accepted,
        zh,
        source: "S1 Art. 22; S6 §四(一)",
    })
}
