//! States, actions, roles and programmes, with stable snake_case codes (serde) and Chinese labels.

use serde::{Deserialize, Serialize};

macro_rules! coded {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $v:ident = ($code:literal, $zh:literal),)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)*];
            /// The stable code (the serde name).
            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code,)* }
            }
            pub fn zh(self) -> &'static str {
                match self { $($name::$v => $zh,)* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

coded! {
    /// A case's workflow state (domain §2.1, plus `advance_aided` for 急难型 临时救助 and `stopped`
    /// for change reviews). The server's workflow record holds it; the document header carries
    /// its code for display.
    pub enum State {
        Draft = ("draft", "草稿"),
        Submitted = ("submitted", "已提交"),
        NeedsSupplement = ("needs_supplement", "待补正"),
        Accepted = ("accepted", "已受理"),
        /// 急难型 临时救助: 先行救助 granted, records completed afterwards.
        AdvanceAided = ("advance_aided", "已先行救助"),
        Investigating = ("investigating", "调查中"),
        CheckFailedNotified = ("check_failed_notified", "核对不符已告知"),
        Recheck = ("recheck", "复查中"),
        Terminated = ("terminated", "已终止"),
        DemocraticReview = ("democratic_review", "民主评议中"),
        PrelimOpinion = ("prelim_opinion", "已出具初审意见"),
        Publicity = ("publicity", "公示中"),
        ObjectionHandling = ("objection_handling", "异议处理中"),
        Reported = ("reported", "已报送"),
        CountyReview = ("county_review", "审核确认中"),
        Approved = ("approved", "已确认"),
        Rejected = ("rejected", "不予确认"),
        Published = ("published", "已公布"),
        Active = ("active", "在保"),
        ClosedIneligible = ("closed_ineligible", "核对不符已结案"),
        /// Change review: benefit stopped (停发).
        Stopped = ("stopped", "已停发"),
        /// 探访 (issue 15): the visit done and accepted, the task closed.
        VisitClosed = ("visit_closed", "探访已办结"),
    }
}

coded! {
    /// What an actor does to move a case.
    pub enum Action {
        Submit = ("submit", "提交申请"),
        RequestSupplement = ("request_supplement", "一次性告知补正"),
        Resubmit = ("resubmit", "补正后重新提交"),
        Accept = ("accept", "受理"),
        GrantAdvanceAid = ("grant_advance_aid", "先行救助"),
        StartInvestigation = ("start_investigation", "开始调查"),
        NotifyCheckFailed = ("notify_check_failed", "告知核对不符"),
        ObjectToCheck = ("object_to_check", "对核对结果提出异议"),
        CloseIneligible = ("close_ineligible", "核对不符结案"),
        Reinvestigate = ("reinvestigate", "重新调查"),
        Terminate = ("terminate", "终止审核确认"),
        StartDemocraticReview = ("start_democratic_review", "组织民主评议"),
        ConcludeDemocraticReview = ("conclude_democratic_review", "乡镇形成评议结论"),
        WriteOpinion = ("write_opinion", "出具初审意见"),
        StartPublicity = ("start_publicity", "开始公示"),
        RaiseObjection = ("raise_objection", "登记公示异议"),
        Report = ("report", "报送审核确认"),
        Receive = ("receive", "接收报送材料"),
        Approve = ("approve", "审核确认"),
        Reject = ("reject", "不予确认"),
        PublishRoll = ("publish_roll", "公布"),
        Activate = ("activate", "开始发放"),
        Stop = ("stop", "停发"),
        // Steps that keep the state: each is recorded and checked like a move.
        /// The township accepts the sealed visit (验收).
        AcceptVisit = ("accept_visit", "验收入户调查"),
        /// The township returns the visit with notes pinned to fields (退回补正).
        ReturnVisit = ("return_visit", "退回补正"),
        ChangeTeam = ("change_team", "调整调查组"),
        /// A caseworker settles a field two tablets wrote concurrently.
        ResolveConflict = ("resolve_conflict", "处理冲突值"),
        /// 急难型: the 情况说明 completed after the aid (事后补充说明, S9 §二(二)).
        RecordSituation = ("record_situation", "补充情况说明"),
        /// The result of 信息核对 from the 核对机构 (S1 Art. 17).
        RecordCheckResult = ("record_check_result", "登记核对结果"),
        /// A complaint or report (投诉/举报) during 审核确认 (S1 Art. 20).
        RegisterComplaint = ("register_complaint", "登记投诉举报"),
        /// The deciding authority's own 入户调查 (S1 Art. 20).
        RecordDeciderVisit = ("record_decider_visit", "审核确认机关入户核查"),
        /// 探访: the lead closes the task once the visit is accepted.
        CloseVisit = ("close_visit", "探访办结"),
    }
}

coded! {
    /// Who acts. The server's `Role` (sync-server) maps onto these codes; `representative` is a
    /// 民主评议 participant (votes, never moves a case), `admin` manages accounts and makes no
    /// workflow decision.
    pub enum Role {
        Investigator = ("investigator", "调查员"),
        Caseworker = ("caseworker", "经办人员"),
        Lead = ("lead", "乡镇负责人"),
        Bureau = ("bureau", "民政局"),
        Admin = ("admin", "系统管理员"),
        Representative = ("representative", "评议代表"),
        Applicant = ("applicant", "申请人"),
    }
}

coded! {
    /// The assistance programme (domain §2.1–§2.3).
    pub enum Programme {
        Dibao = ("dibao", "最低生活保障"),
        Tekun = ("tekun", "特困人员救助供养"),
        /// 临时救助 急难型: simplified, 先行救助 allowed, no 公示 or 民主评议 needed.
        TemporaryUrgent = ("temporary_urgent", "临时救助（急难型）"),
        /// 临时救助 支出型: the full chain.
        TemporaryExpense = ("temporary_expense", "临时救助（支出型）"),
    }
}

coded! {
    /// A new application, or a change review of an active case (domain §4).
    pub enum CaseKind {
        Application = ("application", "新申请"),
        ChangeReview = ("change_review", "变更核查"),
        /// 探访 (主动发现, issue 15): a visit to a household a warning or the schedule names —
        /// assigned, visited, accepted, closed; any application it leads to is a new case.
        Visit = ("visit", "探访"),
    }
}

/// A role code that names no role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?}: use investigator, caseworker, lead, bureau, admin, representative or applicant"
)]
pub struct UnknownRole(pub String);

impl std::str::FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, UnknownRole> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.code() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

impl Role {
    /// The stable code, as stored and shown on the command line (same as [`Role::code`]).
    pub fn as_str(self) -> &'static str {
        self.code()
    }
}

impl State {
    /// Parses a state code.
    pub fn from_code(code: &str) -> Option<State> {
        State::ALL.iter().copied().find(|s| s.code() == code)
    }

    /// States a case never leaves.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::Terminated
                | State::Rejected
                | State::Active
                | State::ClosedIneligible
                | State::Stopped
                | State::VisitClosed
        )
    }
}
