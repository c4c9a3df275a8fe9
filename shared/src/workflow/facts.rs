//! Where each fact a precondition reads comes from (issue 11 point 5). A precondition on a fact
//! nobody can set is a branch that can never finish; this table names the source of every fact,
//! and the graph test (`tests.rs`) walks the engine with only the facts that have one.

use super::engine::{CaseFacts, VisitFacts};
use super::state::Action;
use serde::Serialize;

/// Who or what establishes a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "action")]
pub enum Source {
    /// An engine action taken on the case (recorded like any move).
    Action(Action),
    /// The applicant, on the phone pages or at the window: signatures, supplements.
    Applicant,
    /// The sealed visit the team's tablets sync (checked on the server as a seal).
    Visit,
    /// A record the township keeps beside the flow (the 初审 checklist, the 单独登记备案 flag,
    /// the extension reason, 民主评议 minutes at the meeting's close).
    Township,
    /// The calendar: a period ran out.
    Clock,
    /// What the actor types with the action itself (a reason, a team, an amount).
    Input,
}

macro_rules! facts {
    ($($(#[$m:meta])* $name:ident => $source:expr, |$f:ident| $enable:expr;)*) => {
        /// A fact a precondition reads.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Fact { $($(#[$m])* $name,)* }

        impl Fact {
            pub const ALL: &'static [Fact] = &[$(Fact::$name,)*];

            /// Where the fact comes from.
            pub fn source(self) -> Source {
                match self { $(Fact::$name => $source,)* }
            }

            /// Set the fact on `f` as a case that went through its source has it.
            pub fn establish(self, f: &mut CaseFacts) {
                match self { $(Fact::$name => { let $f = f; $enable; })* }
            }
        }
    };
}

facts! {
    PromiseSigned => Source::Applicant, |f| f.promise_signed = true;
    ConsentSigned => Source::Applicant, |f| f.consent_signed = true;
    SupplementProvided => Source::Applicant, |f| f.supplement_provided = true;
    /// The items still missing: listed by the caseworker with 补正, or the checklist's gaps.
    MissingItems => Source::Input, |f| f.missing_items = vec!["户口本".into()];
    Team => Source::Input, |f| f.team = vec!["调查员甲".into(), "调查员乙".into()];
    /// A sealed visit signed by two of the team.
    SealedVisit => Source::Visit, |f| {
        let v = f.visit.get_or_insert_with(VisitFacts::default);
        v.finalized = true;
        v.investigator_signers = vec!["调查员甲".into(), "调查员乙".into()];
    };
    VisitAccepted => Source::Action(Action::AcceptVisit), |f| {
        f.visit.get_or_insert_with(VisitFacts::default).accepted = true
    };
    SituationRecorded => Source::Action(Action::RecordSituation), |f| f.situation_recorded = true;
    CheckFailed => Source::Action(Action::RecordCheckResult), |f| f.check_failed = true;
    CheckObjectionWindowClosed => Source::Clock, |f| f.check_objection_window_closed = true;
    RefusedCooperation => Source::Visit, |f| f.refused_cooperation = true;
    SeparatelyRegistered => Source::Township, |f| f.separately_registered = true;
    ComplaintDuringReview => Source::Action(Action::RegisterComplaint), |f| {
        f.complaint_during_review = true
    };
    DeciderVisitDone => Source::Action(Action::RecordDeciderVisit), |f| f.decider_visit_done = true;
    ReviewMinutesRecorded => Source::Township, |f| f.review_minutes_recorded = true;
    DemocraticReviewDone => Source::Action(Action::ConcludeDemocraticReview), |f| {
        f.democratic_review_done = true
    };
    OpinionSigned => Source::Action(Action::WriteOpinion), |f| f.opinion_signed = true;
    PublicityStarted => Source::Action(Action::StartPublicity), |f| {
        f.publicity_started = Some(super::calendar::add_days(f.today, -30))
    };
    PublicityDone => Source::Action(Action::Report), |f| f.publicity_done = true;
    ObjectionRaised => Source::Action(Action::RaiseObjection), |f| f.objection_raised = true;
    ObjectionOpen => Source::Action(Action::RaiseObjection), |f| f.objection_open = true;
    AmountSet => Source::Input, |f| f.amount_set = true;
    /// A change review proposing to end the support: said with the 初审意见.
    Terminating => Source::Input, |f| f.terminating = true;
    Reason => Source::Input, |f| f.reason = Some("理由".into());
    Extension => Source::Township, |f| {
        f.extension = Some(super::engine::ExtensionReason::HardToInvestigate)
    };
}

impl Fact {
    /// Facts that make a case harder rather than move it on: a case may or may not have them,
    /// and the engine must have a way forward either way.
    pub fn circumstantial(self) -> bool {
        matches!(
            self,
            Fact::MissingItems
                | Fact::SeparatelyRegistered
                | Fact::ComplaintDuringReview
                | Fact::ObjectionRaised
                | Fact::ObjectionOpen
                | Fact::Terminating
                | Fact::PublicityDone
                | Fact::DemocraticReviewDone
                | Fact::CheckFailed
                | Fact::CheckObjectionWindowClosed
                | Fact::RefusedCooperation
                | Fact::Extension
        )
    }
}
