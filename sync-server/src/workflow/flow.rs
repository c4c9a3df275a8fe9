//! A case's workflow state as the server keeps it (item kind `flow`): the state, when it was
//! entered, and the facts the engine's preconditions read. Transitions are separate, ordered
//! records (item kind `transition`).

use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::schema::{CaseDoc, Expenditure, IncomeRow, PropertyRow};
use jiuzhu_shared::workflow::{
    Action, CaseFacts, CaseKind, ExtensionReason, Options, Programme, Role, State, VisitFacts,
    calendar::add_days,
};
use serde::{Deserialize, Serialize};

pub const FLOW: &str = "flow";
pub const TRANSITION: &str = "transition";
pub const NOTICE: &str = "notice";
pub const MATERIAL: &str = "material";
pub const OBJECTION: &str = "objection";
pub const MEETING: &str = "meeting";
pub const BALLOT: &str = "ballot";
pub const VOTE_LINK: &str = "vote_link";
pub const REPORT: &str = "report";
pub const OTP: &str = "otp";
/// Recent code requests per network address.
pub const OTP_ADDRESS: &str = "otp_address";
pub const APPLICANT_SESSION: &str = "applicant_session";
pub const REFERRAL: &str = "referral";

/// What the applicant typed on the phone page (also written into the document's declared section
/// at submission).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Application {
    pub programme: String,
    pub township: String,
    pub village: String,
    pub address: String,
    pub applicant: Person,
    pub members: Vec<Member>,
    /// Declared rows, in the vocabulary the tablet and the rules use.
    pub income: Vec<IncomeRow>,
    pub property: Vec<PropertyRow>,
    pub expenditures: Vec<Expenditure>,
    pub income_note: String,
    pub property_note: String,
    pub expense_note: String,
    /// Someone applying on the applicant's behalf (委托, S1 Art. 6), with a 委托书 material.
    pub agent: Option<Agent>,
}

/// The person an applicant delegated the application to (委托).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Agent {
    pub name: String,
    pub id_number: String,
    pub relation: String,
    pub phone: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Person {
    pub name: String,
    pub id_number: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Member {
    pub name: String,
    pub id_number: String,
    pub relation: String,
    pub sex: String,
    pub birth_date: String,
    pub health: String,
    pub disability_type: String,
    pub disability_grade: String,
    pub employment: String,
    pub ethnicity: String,
    pub hukou_type: String,
    pub marital_status: String,
    pub education: String,
    pub school_stage: String,
    pub disease: String,
    pub disability_cert_no: String,
    pub work_capacity: String,
    pub employer: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckItem {
    pub key: String,
    pub label: String,
    pub ok: bool,
}

/// The 初审意见, signed by the lead who wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opinion {
    pub text: String,
    pub amount_fen: i64,
    pub start_month: String,
    pub signed_by: String,
    pub signed_at: i64,
    /// A change review's opinion proposes to end the support (拟停发/终止).
    #[serde(default)]
    pub stop: bool,
}

/// The deciding authority's confirmation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub amount_fen: i64,
    pub start_month: String,
    pub by: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub from: Date,
    pub to: Date,
    /// Opaque id shown on the public page instead of the case id.
    pub entry_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedDoc {
    /// promise | consent
    pub document: String,
    pub signer: String,
    /// The drawn signature, or the scan of the paper form signed by hand.
    pub image_hash: String,
    pub at: i64,
    #[serde(default)]
    pub mode: SignMode,
    /// The township user who took the signature at the window (none: the applicant's phone).
    #[serde(default)]
    pub by: Option<String>,
}

/// How a signature was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignMode {
    /// Drawn on a signature pad (the phone, or the window's pad).
    #[default]
    Pad,
    /// Signed by hand on the printed form, which was scanned.
    Paper,
}

impl SignMode {
    pub fn zh(self) -> &'static str {
        match self {
            SignMode::Pad => "签字板",
            SignMode::Paper => "纸质签字（扫描件）",
        }
    }
}

/// A case opened at the township window (一门受理) rather than on the applicant's phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowIntake {
    /// The caseworker who opened it.
    pub by: String,
    pub at: i64,
    /// A draft the window gave up (the family left, or it was opened twice), with why. The flow
    /// stays, so numbers are never reused and the audit trail keeps its case.
    #[serde(default)]
    pub discarded: Option<Discarded>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discarded {
    pub by: String,
    pub at: i64,
    pub reason: String,
}

/// One 信息核对 result from the 核对机构 (S1 Art. 17), as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// eligible | ineligible (符合 / 不符合)
    pub result: String,
    /// What the check found against the declaration (车辆, 存款, 工商登记…).
    pub items: Vec<String>,
    pub note: String,
    pub checked_on: Date,
    pub recorded_by: String,
    pub recorded_at: i64,
}

impl CheckResult {
    pub fn ineligible(&self) -> bool {
        self.result == "ineligible"
    }
}

/// A complaint or report (投诉/举报) during 审核确认.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Complaint {
    pub text: String,
    pub by: String,
    pub at: i64,
}

/// The deciding authority's own 入户调查 (S1 Art. 20), recorded in the console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeciderVisit {
    pub visited_on: Date,
    pub staff: Vec<String>,
    pub findings: String,
    /// Material ids of the photos taken.
    pub photos: Vec<String>,
    pub by: String,
    pub at: i64,
}

/// The facts the server keeps beside the document. Each is set by the server's own records —
/// an engine action, the applicant's signatures, a township record — never read from a field a
/// device writes; what the team's tablets establish (a sealed visit, a refusal to cooperate) is
/// read from the sealed visit, whose seal the server checked when it arrived.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facts {
    pub signatures: Vec<SignedDoc>,
    pub checklist: Vec<CheckItem>,
    pub missing_items: Vec<String>,
    pub supplement_provided: bool,
    pub team: Vec<String>,
    /// The content hash of the visit the township accepted (验收): a later correction needs its
    /// own acceptance.
    pub accepted_visit: Option<String>,
    /// 急难型: the 情况说明 recorded after the aid.
    pub situation: Option<String>,
    pub check_results: Vec<CheckResult>,
    /// The applicant objected to the latest 核对 result: the recheck needs a new one.
    pub check_disputed: bool,
    pub separately_registered: bool,
    pub separately_reason: Option<String>,
    pub complaints: Vec<Complaint>,
    pub decider_visit: Option<DeciderVisit>,
    pub review_minutes_recorded: bool,
    pub democratic_review_done: bool,
    pub opinion: Option<Opinion>,
    /// The opinion an objection set aside (shown to 民主评议 representatives).
    pub previous_opinion: Option<Opinion>,
    pub decision: Option<Decision>,
    pub publicity: Option<Period>,
    pub publicity_done: bool,
    pub objection_raised: bool,
    pub objection_open: bool,
    pub terminating: bool,
    pub extension: Option<ExtensionReason>,
    /// Active cases: when the next 定期核查 falls due.
    pub next_review: Option<Date>,
    /// Active cases: the open change-review case, if any.
    pub open_review: Option<String>,
    /// Opened at the township window.
    pub window: Option<WindowIntake>,
    /// Cases without an application (entered from a file, and their change reviews): the
    /// declared people by ID number, so a duplicate check need not read every document.
    pub declared_people: Vec<DeclaredPerson>,
    /// 主动发现 (issue 15): the warning or 探访 case that led the township to open this case.
    pub discovered_by: Option<String>,
    /// 探访: the day the visit is due (the 定期探访 period's last day, or the warning's handling
    /// limit counted again from the day the visit was sent); the header's and queue's deadline.
    pub visit_due: Option<Date>,
    /// What the rules proposed when the case was decided (确认 or 不予确认): the figures of
    /// 渐退 and 低保边缘 households count from it.
    pub assessment: Option<Assessment>,
}

/// The rules' proposal at the decision, as the server computed it (never sent by a client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The household qualified as 低保边缘 (not for 低保, below the edge line).
    pub edge: bool,
    /// The household already received 低保 and is paid on during a 渐退 period.
    pub phase_out: bool,
    /// The configuration version the rules used.
    pub config_version: String,
}

/// A declared member of a case entered from a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeclaredPerson {
    pub name: String,
    pub id_number: String,
    pub applicant: bool,
}

impl Facts {
    pub fn signed(&self, document: &str) -> bool {
        self.signatures.iter().any(|s| s.document == document)
    }
}

impl Member {
    /// 18 or older on `today`, from the birth date or the ID number; unknown counts as adult (a
    /// consent asked for once too often is better than one missing).
    pub fn adult_on(&self, today: Date) -> bool {
        self.birth_date
            .parse::<Date>()
            .ok()
            .or_else(|| Date::from_id_number(&self.id_number))
            .is_none_or(|b| b.age_on(today) >= 18)
    }
}

impl Flow {
    /// The applicant with this phone number follows (and, while it is theirs to edit, edits)
    /// the case; a window draft stays the window's until it is submitted.
    pub fn followed_by(&self, phone: &str) -> bool {
        self.phone.as_deref() == Some(phone)
            && !(self.facts.window.is_some() && self.state == State::Draft)
    }

    /// A draft the township window holds (not given up).
    pub fn window_draft(&self) -> bool {
        self.state == State::Draft
            && self
                .facts
                .window
                .as_ref()
                .is_some_and(|w| w.discarded.is_none())
    }

    /// The adult members, who each sign the 授权核对书 (S1 Art. 9: the applicant and the family
    /// members consent to the checks), the applicant first, in the order the application lists
    /// them.
    pub fn adults(&self, today: Date) -> Vec<String> {
        let Some(app) = &self.application else {
            return Vec::new();
        };
        let mut names: Vec<String> = app
            .members
            .iter()
            .filter(|m| m.adult_on(today))
            .map(|m| m.name.clone())
            .collect();
        if !names.contains(&app.applicant.name) {
            names.insert(0, app.applicant.name.clone());
        }
        names.retain(|n| !n.trim().is_empty());
        names
    }

    /// Adult members who have not yet signed the 授权核对书.
    pub fn consent_pending(&self, today: Date) -> Vec<String> {
        let signed = |name: &str| {
            self.facts
                .signatures
                .iter()
                .any(|s| s.document == "consent" && s.signer == name)
        };
        let mut names = self.adults(today);
        names.retain(|n| !signed(n));
        names
    }

    /// Every adult member signed the 授权核对书 (on a pad or on paper): recorded, whoever took
    /// the application.
    pub fn consent_complete(&self, today: Date) -> bool {
        self.facts.signed("consent") && self.consent_pending(today).is_empty()
    }
}

/// A case's workflow state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    pub case_id: String,
    pub case_no: String,
    pub programme: Programme,
    pub kind: CaseKind,
    pub state: State,
    /// The day the case entered `state`.
    pub entered: Date,
    /// The day of 受理.
    pub accepted: Option<Date>,
    pub township: String,
    /// The applicant's phone (cases applied for on the phone pages).
    pub phone: Option<String>,
    /// Change reviews: the active case reviewed.
    pub origin: Option<String>,
    /// Transitions recorded so far (the next record is number `records + 1`).
    pub records: u32,
    pub facts: Facts,
    pub application: Option<Application>,
}

/// One transition, in order, with its actor, time and reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub n: u32,
    pub action: Action,
    pub from: State,
    pub to: State,
    pub role: Role,
    pub actor: String,
    pub at: i64,
    pub reason: Option<String>,
    #[serde(default)]
    pub detail: serde_json::Value,
}

pub fn transition_id(case: &str, n: u32) -> String {
    format!("{case}:{n:06}")
}

/// The programme a legacy case (created before workflows, e.g. by `admin add-case`) belongs to.
pub fn programme_of_case_type(case_type: &str) -> Programme {
    match case_type {
        "tekun" => Programme::Tekun,
        "temporary" | "temporary_expense" => Programme::TemporaryExpense,
        "temporary_urgent" => Programme::TemporaryUrgent,
        _ => Programme::Dibao,
    }
}

/// The document's `header.case_type` for a programme (the rules engine reads it).
pub fn case_type_of(programme: Programme, village: &str) -> &'static str {
    match programme {
        Programme::Tekun => "tekun",
        Programme::TemporaryUrgent | Programme::TemporaryExpense => "temporary",
        // 社区 are urban, 嘎查/村 rural.
        Programme::Dibao if village.ends_with("社区") => "urban_dibao",
        Programme::Dibao => "rural_dibao",
    }
}

/// What the latest visit established, from the document: sealed or not, who signed it, and
/// whether the township accepted this very visit (`accepted_visit` is its content hash).
pub fn visit_facts(doc: &CaseDoc, accepted_visit: Option<&str>) -> Option<VisitFacts> {
    let v = doc.visits.last()?;
    let mut signers: Vec<String> = v
        .signatures
        .iter()
        .filter(|s| s.role == "investigator" && !s.name.trim().is_empty())
        .map(|s| s.name.trim().to_string())
        .collect();
    signers.sort();
    signers.dedup();
    Some(VisitFacts {
        finalized: v.finalized,
        investigator_signers: signers,
        accepted: v.finalized
            && v.content_hash.is_some()
            && v.content_hash.as_deref() == accepted_visit,
    })
}

/// The refusal to cooperate recorded on the latest sealed visit, if any.
pub fn refusal(doc: &CaseDoc) -> Option<&jiuzhu_shared::schema::CooperationRefusal> {
    doc.visits
        .iter()
        .rev()
        .find(|v| v.finalized)?
        .refusal
        .as_ref()
}

impl Flow {
    pub fn id(&self) -> super::Result<jiuzhu_shared::CaseId> {
        super::parse_case(&self.case_id)
    }

    /// Who the case's notices are sent to (`notify`): the applicant's phone and the agent's.
    pub fn addressee(&self) -> crate::notify::Addressee {
        let agent = self.application.as_ref().and_then(|a| a.agent.as_ref());
        crate::notify::Addressee::of_case(
            &self.case_id,
            &self.case_no,
            &self.township,
            self.phone.as_deref(),
            agent.map(|a| a.phone.as_str()),
        )
    }

    /// The engine's view of the case on `today`, with the reason typed for this action.
    pub fn case_facts(
        &self,
        doc: Option<&CaseDoc>,
        today: Date,
        reason: Option<&str>,
        options: &Options,
    ) -> CaseFacts {
        let f = &self.facts;
        let mut c = CaseFacts::new(self.programme, self.kind, today);
        c.promise_signed = f.signed("promise");
        c.consent_signed = self.consent_complete(today);
        c.missing_items = f.missing_items.clone();
        c.supplement_provided = f.supplement_provided;
        c.team = f.team.clone();
        c.visit = doc.and_then(|d| visit_facts(d, f.accepted_visit.as_deref()));
        c.situation_recorded = f.situation.is_some();
        c.check_failed =
            !f.check_disputed && f.check_results.last().is_some_and(CheckResult::ineligible);
        // The applicant's time to object runs from the 核对不符 notice.
        c.check_objection_window_closed = self.state == State::CheckFailedNotified
            && today > add_days(self.entered, i64::from(options.check_objection_days));
        c.refused_cooperation = doc.is_some_and(|d| refusal(d).is_some());
        c.separately_registered = f.separately_registered;
        c.complaint_during_review = !f.complaints.is_empty();
        c.decider_visit_done = f.decider_visit.is_some();
        c.review_minutes_recorded = f.review_minutes_recorded;
        c.democratic_review_done = f.democratic_review_done;
        c.opinion_signed = f.opinion.is_some();
        c.publicity_started = f.publicity.as_ref().map(|p| p.from);
        c.publicity_done = f.publicity_done;
        c.objection_raised = f.objection_raised;
        c.objection_open = f.objection_open;
        c.amount_set = f.decision.is_some();
        c.terminating = f.terminating;
        c.reason = reason.map(str::to_string);
        c.extension = f.extension;
        c
    }

    /// The document header's flags (shown on the tablet and in the console).
    pub fn flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        if self.facts.separately_registered {
            flags.push("单独登记备案".to_string());
        }
        if self.facts.objection_open {
            flags.push("公示异议待处理".to_string());
        }
        // The header's flag is how a tablet knows the case is not an investigation: a 探访 gets
        // the short visit form (needs by area) instead of the full one.
        if matches!(self.kind, CaseKind::ChangeReview | CaseKind::Visit) {
            flags.push(self.kind.zh().to_string());
        }
        flags
    }
}
