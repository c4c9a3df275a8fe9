//! Table-driven tests of the workflow engine: every allowed transition, each refused for a wrong
//! role and for a missing precondition; working days; options that change the path.

use super::*;
use crate::rules::date::Date;
use std::collections::BTreeSet;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

/// Facts under which every precondition holds (rows then break one).
fn ready(programme: Programme, kind: CaseKind) -> CaseFacts {
    let mut f = CaseFacts::new(programme, kind, d("2026-12-10"));
    f.promise_signed = true;
    f.consent_signed = true;
    f.supplement_provided = true;
    f.team = vec!["调查员甲".into(), "调查员乙".into()];
    f.visit = Some(VisitFacts {
        finalized: true,
        investigator_signers: vec!["调查员甲".into(), "调查员乙".into()],
        accepted: true,
    });
    f.situation_recorded = true;
    f.check_failed = true;
    f.check_objection_window_closed = true;
    f.refused_cooperation = true;
    f.review_minutes_recorded = true;
    f.opinion_signed = true;
    f.publicity_started = Some(d("2026-12-01"));
    f.amount_set = true;
    f.reason = Some("理由".into());
    f
}

type Tweak = fn(&mut CaseFacts, &mut Options);

fn none(_: &mut CaseFacts, _: &mut Options) {}
fn always_before(_: &mut CaseFacts, o: &mut Options) {
    o.democratic_review = ReviewMode::Always;
    o.democratic_review_order = ReviewOrder::BeforePublicity;
}
fn always_after(_: &mut CaseFacts, o: &mut Options) {
    o.democratic_review = ReviewMode::Always;
    o.democratic_review_order = ReviewOrder::AfterPublicity;
}
fn township(_: &mut CaseFacts, o: &mut Options) {
    o.decider = Decider::Township;
}

struct Row {
    programme: Programme,
    kind: CaseKind,
    setup: Tweak,
    from: State,
    action: Action,
    role: Role,
    to: State,
    /// Breaks one precondition, and the refusal code expected; `None` when the step has none.
    missing: Option<(Tweak, &'static str)>,
}

use Action as A;
use CaseKind::{Application as App, ChangeReview as Rev, Visit};
use Programme::{Dibao, Tekun, TemporaryExpense as Expense, TemporaryUrgent as Urgent};
use Role as R;
use State as S;

macro_rules! row {
    ($p:expr, $k:expr, $setup:expr, $from:ident -$a:ident/$r:ident-> $to:ident, $missing:expr) => {
        Row {
            programme: $p,
            kind: $k,
            setup: $setup,
            from: S::$from,
            action: A::$a,
            role: R::$r,
            to: S::$to,
            missing: $missing,
        }
    };
}

fn rows() -> Vec<Row> {
    let mut rows = vec![
        // 低保 new application, national defaults (bureau decides, 评议 only on objection).
        row!(Dibao, App, none, Draft -Submit/Applicant-> Submitted,
            Some((|f, _| f.promise_signed = false, "promise_missing"))),
        row!(Dibao, App, |f, _| f.missing_items = vec!["户口本".into(), "残疾证".into()],
            Submitted -RequestSupplement/Caseworker-> NeedsSupplement,
            Some((|f, _| f.missing_items.clear(), "missing_items_not_listed"))),
        row!(Dibao, App, none, NeedsSupplement -Resubmit/Applicant-> Submitted,
            Some((|f, _| f.supplement_provided = false, "supplement_not_provided"))),
        row!(Dibao, App, none, Submitted -Accept/Caseworker-> Accepted,
            Some((|f, _| f.missing_items = vec!["户口本".into()], "missing_items_open"))),
        row!(Dibao, App, none, Accepted -StartInvestigation/Lead-> Investigating,
            Some((|f, _| f.team = vec!["甲".into(), "甲".into()], "team_too_small"))),
        row!(Dibao, App, none, Investigating -NotifyCheckFailed/Caseworker-> CheckFailedNotified,
            Some((|f, _| f.check_failed = false, "check_not_failed"))),
        row!(Dibao, App, |f, _| f.check_objection_window_closed = false,
            CheckFailedNotified -ObjectToCheck/Applicant-> Recheck,
            Some((|f, _| f.reason = None, "reason_required"))),
        row!(Dibao, App, |f, _| f.check_objection_window_closed = false,
            CheckFailedNotified -ObjectToCheck/Caseworker-> Recheck,
            Some((|f, _| f.check_objection_window_closed = true, "objection_window_closed"))),
        row!(Dibao, App, none, CheckFailedNotified -CloseIneligible/Caseworker-> ClosedIneligible,
            Some((|f, _| f.check_objection_window_closed = false, "objection_window_open"))),
        row!(Dibao, App, none, Recheck -Reinvestigate/Lead-> Investigating,
            Some((|f, _| f.team.clear(), "team_too_small"))),
        row!(Dibao, App, none, Investigating -Terminate/Lead-> Terminated,
            Some((|f, _| f.refused_cooperation = false, "refusal_not_recorded"))),
        row!(Dibao, App, none, Investigating -WriteOpinion/Lead-> PrelimOpinion,
            Some((|f, _| f.visit.as_mut().unwrap().investigator_signers.truncate(1),
                "visit_signatures_insufficient"))),
        row!(Dibao, App, none, PrelimOpinion -StartPublicity/Lead-> Publicity,
            Some((|f, _| f.opinion_signed = false, "opinion_not_signed"))),
        row!(Dibao, App, none, Publicity -RaiseObjection/Caseworker-> ObjectionHandling,
            Some((|f, _| f.reason = Some("  ".into()), "reason_required"))),
        row!(Dibao, App, none, Publicity -Report/Lead-> Reported,
            Some((|f, _| f.today = d("2026-12-07"), "publicity_not_over"))),
        row!(Dibao, App, none, ObjectionHandling -Reinvestigate/Lead-> Investigating,
            Some((|f, _| f.team.truncate(1), "team_too_small"))),
        row!(Dibao, App, none, ObjectionHandling -StartDemocraticReview/Lead-> DemocraticReview,
            Some((|_, o| o.democratic_review = ReviewMode::Never, "democratic_review_disabled"))),
        row!(Dibao, App, none, DemocraticReview -ConcludeDemocraticReview/Lead-> PrelimOpinion,
            Some((|f, _| f.review_minutes_recorded = false, "minutes_missing"))),
        // After an objection, 低保 needs no second 公示 (S1 Art. 19).
        row!(Dibao, App, |f, _| f.objection_raised = true, PrelimOpinion -Report/Lead-> Reported,
            Some((|f, _| f.objection_raised = false, "publicity_required"))),
        row!(Dibao, App, none, Reported -Receive/Bureau-> CountyReview, None),
        row!(Dibao, App, none, CountyReview -Approve/Bureau-> Approved,
            Some((|f, _| f.separately_registered = true, "decider_visit_required"))),
        row!(Dibao, App, |f, _| { f.separately_registered = true; f.decider_visit_done = true },
            CountyReview -Approve/Bureau-> Approved,
            Some((|f, _| f.amount_set = false, "amount_not_set"))),
        row!(Dibao, App, none, CountyReview -Reject/Bureau-> Rejected,
            Some((|f, _| f.reason = None, "reason_required"))),
        row!(Dibao, App, none, CountyReview -Reject/Bureau-> Rejected,
            Some((|f, _| f.complaint_during_review = true, "decider_visit_required"))),
        row!(Dibao, App, none, Approved -PublishRoll/Bureau-> Published, None),
        row!(Dibao, App, none, Published -Activate/Bureau-> Active, None),
        // Regional options.
        row!(Dibao, App, always_before, Investigating -StartDemocraticReview/Lead-> DemocraticReview,
            Some((|f, _| f.visit = None, "visit_not_finalized"))),
        row!(Dibao, App, |f, o| { always_before(f, o); f.democratic_review_done = true },
            Investigating -WriteOpinion/Lead-> PrelimOpinion,
            Some((|f, _| f.democratic_review_done = false, "democratic_review_required"))),
        row!(Dibao, App, always_after, Publicity -StartDemocraticReview/Lead-> DemocraticReview,
            Some((|f, _| f.objection_open = true, "objection_open"))),
        row!(Dibao, App, |f, o| { always_after(f, o); f.democratic_review_done = true },
            Publicity -Report/Lead-> Reported,
            Some((|f, _| f.democratic_review_done = false, "democratic_review_required"))),
        row!(Dibao, App, |f, o| { always_after(f, o); f.publicity_done = true },
            PrelimOpinion -Report/Lead-> Reported,
            Some((|f, _| f.publicity_done = false, "publicity_required"))),
        row!(Dibao, App, township, Reported -Receive/Lead-> CountyReview, None),
        row!(Dibao, App, township, CountyReview -Approve/Lead-> Approved,
            Some((|f, _| f.visit = None, "investigation_missing"))),
        row!(Dibao, App, township, CountyReview -Reject/Lead-> Rejected,
            Some((|f, _| f.reason = None, "reason_required"))),
        row!(Dibao, App, township, Approved -PublishRoll/Lead-> Published, None),
        row!(Dibao, App, township, Published -Activate/Lead-> Active, None),
        // 特困: a new opinion after an objection must be published again (S2).
        row!(Tekun, App, |f, _| f.publicity_done = true, PrelimOpinion -Report/Lead-> Reported,
            Some((|f, _| { f.publicity_done = false; f.objection_raised = true }, "publicity_required"))),
        row!(Tekun, App, none, Draft -Submit/Applicant-> Submitted,
            Some((|f, _| f.consent_signed = false, "consent_missing"))),
        row!(Tekun, App, none, Publicity -RaiseObjection/Caseworker-> ObjectionHandling,
            Some((|f, _| f.reason = None, "reason_required"))),
        // 临时救助 急难型: 先行救助, no 公示 needed.
        row!(Urgent, App, none, Accepted -GrantAdvanceAid/Lead-> AdvanceAided,
            Some((|f, _| f.reason = None, "reason_required"))),
        row!(Urgent, App, none, AdvanceAided -WriteOpinion/Lead-> PrelimOpinion,
            Some((|f, _| f.situation_recorded = false, "situation_not_recorded"))),
        row!(Urgent, App, |f, _| f.visit = None, Investigating -WriteOpinion/Lead-> PrelimOpinion,
            Some((|f, _| f.situation_recorded = false, "situation_not_recorded"))),
        row!(Urgent, App, none, PrelimOpinion -Report/Lead-> Reported,
            Some((|f, _| f.opinion_signed = false, "opinion_not_signed"))),
        row!(Urgent, App, |f, _| f.visit = None, CountyReview -Approve/Bureau-> Approved,
            Some((|f, _| f.amount_set = false, "amount_not_set"))),
        // 临时救助 支出型: the full chain.
        row!(Expense, App, none, Investigating -WriteOpinion/Lead-> PrelimOpinion,
            Some((|f, _| f.visit.as_mut().unwrap().finalized = false, "visit_not_finalized"))),
        row!(Expense, App, |f, _| f.publicity_done = true, PrelimOpinion -Report/Lead-> Reported,
            Some((|f, _| f.publicity_done = false, "publicity_required"))),
        // Change reviews (§4): investigate → opinion → decision; 公示 only for 特困 termination.
        row!(Dibao, Rev, none, Investigating -WriteOpinion/Lead-> PrelimOpinion,
            Some((|f, _| f.visit.as_mut().unwrap().accepted = false, "visit_not_accepted"))),
        row!(Dibao, Rev, none, PrelimOpinion -Report/Lead-> Reported,
            Some((|f, _| f.opinion_signed = false, "opinion_not_signed"))),
        row!(Dibao, Rev, none, CountyReview -Stop/Bureau-> Stopped,
            Some((|f, _| f.reason = None, "reason_required"))),
        row!(Dibao, Rev, none, Approved -Activate/Bureau-> Active, None),
        row!(Tekun, Rev, |f, _| { f.terminating = true; f.publicity_done = true },
            PrelimOpinion -Report/Lead-> Reported,
            Some((|f, _| f.publicity_done = false, "publicity_required"))),
        row!(Tekun, Rev, |f, _| { f.terminating = true; f.publicity_done = true },
            CountyReview -Stop/Bureau-> Stopped,
            Some((|f, _| f.publicity_done = false, "publicity_required"))),
        row!(Tekun, Rev, |f, _| f.terminating = true, PrelimOpinion -StartPublicity/Lead-> Publicity,
            Some((|f, _| f.opinion_signed = false, "opinion_not_signed"))),
        // Steps that keep the state (issue 11): each recorded and checked like a move.
        row!(Dibao, App, |f, _| f.visit.as_mut().unwrap().accepted = false,
            Investigating -AcceptVisit/Lead-> Investigating,
            Some((|f, _| f.visit.as_mut().unwrap().investigator_signers.truncate(1),
                "visit_signatures_insufficient"))),
        row!(Dibao, Rev, |f, _| f.visit.as_mut().unwrap().accepted = false,
            Investigating -AcceptVisit/Caseworker-> Investigating,
            Some((|f, _| f.visit.as_mut().unwrap().accepted = true, "visit_already_accepted"))),
        // 探访 (issue 15): closed by the lead once its visit is accepted.
        row!(Dibao, Visit, none, Investigating -CloseVisit/Lead-> VisitClosed,
            Some((|f, _| f.visit.as_mut().unwrap().accepted = false, "visit_not_accepted"))),
        row!(Dibao, Visit, none, Accepted -StartInvestigation/Lead-> Investigating,
            Some((|f, _| f.team.clear(), "team_too_small"))),
        row!(Dibao, App, none, Investigating -ReturnVisit/Caseworker-> Investigating,
            Some((|f, _| f.reason = None, "reason_required"))),
        row!(Dibao, App, none, Investigating -ChangeTeam/Lead-> Investigating,
            Some((|f, _| f.team.truncate(1), "team_too_small"))),
        row!(Urgent, App, none, Accepted -RecordSituation/Caseworker-> Accepted,
            Some((|f, _| f.reason = None, "reason_required"))),
        row!(Urgent, App, none, AdvanceAided -RecordSituation/Lead-> AdvanceAided,
            Some((|f, _| f.reason = Some(" ".into()), "reason_required"))),
        row!(Urgent, App, none, Investigating -RecordSituation/Lead-> Investigating,
            Some((|f, _| f.reason = None, "reason_required"))),
        row!(Dibao, App, none, Investigating -RecordCheckResult/Caseworker-> Investigating, None),
        row!(Dibao, Rev, none, Investigating -RecordCheckResult/Lead-> Investigating, None),
        row!(Dibao, App, none, CountyReview -RegisterComplaint/Bureau-> CountyReview,
            Some((|f, _| f.reason = None, "reason_required"))),
        row!(Dibao, App, none, CountyReview -RecordDeciderVisit/Bureau-> CountyReview,
            Some((|f, _| f.reason = None, "reason_required"))),
        row!(Dibao, App, township, CountyReview -RecordDeciderVisit/Lead-> CountyReview,
            Some((|f, _| f.reason = None, "reason_required"))),
    ];
    // A conflict can be settled in every state where tablets may have written the visit.
    for s in State::ALL
        .iter()
        .filter(|s| !s.is_final() && !matches!(s, S::Draft | S::Submitted | S::NeedsSupplement))
    {
        rows.push(Row {
            programme: Dibao,
            kind: App,
            setup: none,
            from: *s,
            action: A::ResolveConflict,
            role: R::Caseworker,
            to: *s,
            missing: Some((|f, _| f.reason = None, "reason_required")),
        });
    }
    rows
}

#[test]
fn every_row_allowed_and_refused_for_wrong_role_and_missing_precondition() {
    let rows = rows();
    let mut with_precondition = 0;
    for (i, r) in rows.iter().enumerate() {
        let at = format!(
            "row {i}: {} {} {} -{}/{}->",
            r.programme, r.kind, r.from, r.action, r.role
        );
        let mut facts = ready(r.programme, r.kind);
        let mut options = Options::default();
        (r.setup)(&mut facts, &mut options);

        let t = allowed(&facts, r.from, r.action, r.role, &options)
            .unwrap_or_else(|e| panic!("{at} refused: {e}"));
        assert_eq!(
            (t.from, t.to, t.action, t.role),
            (r.from, r.to, r.action, r.role),
            "{at}"
        );

        // Every other role is refused with `wrong_role`.
        let (_, roles) = route(&facts, r.from, r.action, &options).unwrap();
        for wrong in Role::ALL.iter().filter(|x| !roles.contains(x)) {
            let e = allowed(&facts, r.from, r.action, *wrong, &options).unwrap_err();
            assert_eq!(e.code, "wrong_role", "{at} as {wrong}");
            assert!(e.zh.contains(r.role.zh()), "{at}: {}", e.zh);
        }
        assert!(
            !Role::ALL.iter().all(|x| roles.contains(x)),
            "{at}: nobody is wrong"
        );

        if let Some((brk, code)) = r.missing {
            with_precondition += 1;
            let (mut f, mut o) = (facts.clone(), options.clone());
            brk(&mut f, &mut o);
            let e = allowed(&f, r.from, r.action, r.role, &o).unwrap_err();
            assert_eq!(e.code, code, "{at}: {}", e.zh);
            assert!(!e.zh.is_empty());
        }
    }
    // The steps without a precondition: receive, publish, activate (×4 with options) and 登记核对结果.
    assert!(with_precondition >= rows.len() - 10);
}

/// Every (state, action) pair the engine routes, for any programme and case kind, has a row.
#[test]
fn the_table_covers_every_route() {
    let covered: BTreeSet<(State, Action, Programme, CaseKind)> = rows()
        .iter()
        .map(|r| (r.from, r.action, r.programme, r.kind))
        .collect();
    let pairs: BTreeSet<(State, Action)> = covered.iter().map(|c| (c.0, c.1)).collect();
    for p in Programme::ALL {
        for k in CaseKind::ALL {
            let facts = ready(*p, *k);
            for s in State::ALL {
                for a in Action::ALL {
                    if route(&facts, *s, *a, &Options::default()).is_some() {
                        assert!(pairs.contains(&(*s, *a)), "no row for {s} -{a}-> ({p} {k})");
                    }
                }
            }
        }
    }
}

#[test]
fn final_states_have_no_exit() {
    for s in State::ALL.iter().filter(|s| s.is_final()) {
        for a in Action::ALL {
            for p in Programme::ALL {
                for k in CaseKind::ALL {
                    let e = allowed(&ready(*p, *k), *s, *a, Role::Bureau, &Options::default());
                    assert_eq!(e.unwrap_err().code, "not_allowed_from_state", "{s} {a}");
                }
            }
        }
    }
}

#[test]
fn variants_exclude_steps() {
    let o = Options::default();
    let cases = [
        (
            ready(Urgent, App),
            S::Investigating,
            A::StartDemocraticReview,
        ),
        (ready(Urgent, App), S::Investigating, A::NotifyCheckFailed),
        (ready(Dibao, App), S::Accepted, A::GrantAdvanceAid),
        (ready(Dibao, Rev), S::Draft, A::Submit),
        (ready(Dibao, Rev), S::CountyReview, A::Reject),
        (ready(Dibao, App), S::CountyReview, A::Stop),
        (ready(Dibao, Rev), S::Approved, A::PublishRoll),
        (ready(Dibao, App), S::Approved, A::Activate),
    ];
    for (f, s, a) in cases {
        let e = allowed(&f, s, a, Role::Lead, &o).unwrap_err();
        assert_eq!(e.code, "not_allowed_from_state", "{} {s} {a}", f.programme);
        assert!(e.zh.contains(s.zh()));
    }
    // Tekun: no report before the (re-)publicity.
    let e = allowed(
        &ready(Tekun, App),
        S::PrelimOpinion,
        A::Report,
        Role::Lead,
        &o,
    )
    .unwrap_err();
    assert_eq!(e.code, "publicity_required");
}

#[test]
fn democratic_review_on_objection_versus_always() {
    let f = ready(Dibao, App);
    let on_objection = Options::default();
    // On objection only: no review after the investigation nor after a quiet 公示, report directly.
    for from in [S::Investigating, S::Publicity] {
        let e = allowed(&f, from, A::StartDemocraticReview, R::Lead, &on_objection).unwrap_err();
        assert_eq!(e.code, "democratic_review_not_now", "{from}");
    }
    assert!(allowed(&f, S::Publicity, A::Report, R::Lead, &on_objection).is_ok());
    assert!(
        allowed(
            &f,
            S::Investigating,
            A::WriteOpinion,
            R::Lead,
            &on_objection
        )
        .is_ok()
    );

    // Always, before 公示: the opinion waits for the review.
    let mut before = Options::default();
    always_before(&mut ready(Dibao, App), &mut before);
    assert_eq!(
        allowed(&f, S::Investigating, A::WriteOpinion, R::Lead, &before)
            .unwrap_err()
            .code,
        "democratic_review_required"
    );
    assert!(
        allowed(
            &f,
            S::Investigating,
            A::StartDemocraticReview,
            R::Lead,
            &before
        )
        .is_ok()
    );
    assert!(allowed(&f, S::Publicity, A::Report, R::Lead, &before).is_ok());

    // Always, after 公示: the report waits for the review.
    let mut after = Options::default();
    always_after(&mut ready(Dibao, App), &mut after);
    assert_eq!(
        allowed(&f, S::Publicity, A::Report, R::Lead, &after)
            .unwrap_err()
            .code,
        "democratic_review_required"
    );
    assert!(allowed(&f, S::Publicity, A::StartDemocraticReview, R::Lead, &after).is_ok());
    let mut done = f.clone();
    done.democratic_review_done = true;
    assert_eq!(
        allowed(
            &done,
            S::Publicity,
            A::StartDemocraticReview,
            R::Lead,
            &after
        )
        .unwrap_err()
        .code,
        "democratic_review_done"
    );

    // Never: not even on objection.
    let never = Options {
        democratic_review: ReviewMode::Never,
        ..Options::default()
    };
    assert_eq!(
        allowed(
            &f,
            S::ObjectionHandling,
            A::StartDemocraticReview,
            R::Lead,
            &never
        )
        .unwrap_err()
        .code,
        "democratic_review_disabled"
    );
}

#[test]
fn delegated_decision_moves_the_role_and_the_overall_limit() {
    let f = ready(Dibao, App);
    let bureau = Options::default();
    let delegated = Options {
        decider: Decider::Township,
        ..Options::default()
    };
    assert!(allowed(&f, S::CountyReview, A::Approve, R::Bureau, &bureau).is_ok());
    assert_eq!(
        allowed(&f, S::CountyReview, A::Approve, R::Lead, &bureau)
            .unwrap_err()
            .code,
        "wrong_role"
    );
    assert!(allowed(&f, S::CountyReview, A::Approve, R::Lead, &delegated).is_ok());
    assert_eq!(
        allowed(&f, S::CountyReview, A::Approve, R::Bureau, &delegated)
            .unwrap_err()
            .code,
        "wrong_role"
    );

    let span = |f: &CaseFacts, o: &Options| overall_limit(f, o).unwrap().span;
    assert_eq!(span(&f, &bureau), Span::WorkingDays(30));
    assert_eq!(span(&f, &delegated), Span::WorkingDays(20));
    let mut ext = f.clone();
    ext.extension = Some(ExtensionReason::ObjectionDuringPublicity);
    assert_eq!(span(&ext, &delegated), Span::WorkingDays(45));
    assert!(overall_limit(&ready(Tekun, App), &bureau).is_none());
    assert!(overall_limit(&ready(Dibao, Rev), &bureau).is_none());
}

/// The whole 低保 path under the defaults, with an objection resolved by 民主评议.
#[test]
fn a_whole_path() {
    let o = Options::default();
    let mut f = ready(Dibao, App);
    let steps = [
        (S::Draft, A::Submit, R::Applicant),
        (S::Submitted, A::Accept, R::Caseworker),
        (S::Accepted, A::StartInvestigation, R::Lead),
        (S::Investigating, A::WriteOpinion, R::Lead),
        (S::PrelimOpinion, A::StartPublicity, R::Lead),
        (S::Publicity, A::RaiseObjection, R::Caseworker),
        (S::ObjectionHandling, A::StartDemocraticReview, R::Lead),
        (S::DemocraticReview, A::ConcludeDemocraticReview, R::Lead),
        (S::PrelimOpinion, A::Report, R::Lead),
        (S::Reported, A::Receive, R::Bureau),
        (S::CountyReview, A::Approve, R::Bureau),
        (S::Approved, A::PublishRoll, R::Bureau),
        (S::Published, A::Activate, R::Bureau),
    ];
    let mut state = S::Draft;
    for (from, action, role) in steps {
        assert_eq!(state, from);
        state = allowed(&f, from, action, role, &o).unwrap().to;
        if action == A::RaiseObjection {
            f.objection_raised = true;
        }
    }
    assert_eq!(state, S::Active);
}

fn test_calendar() -> Calendar {
    // Test data only: a week-long holiday Thu 1 Oct – Wed 7 Oct with make-up Sat 10 Oct.
    Calendar::from_toml(
        r#"
        name = "test"
        holidays = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
                    "2026-10-05", "2026-10-06", "2026-10-07"]
        workdays = ["2026-09-27", "2026-10-10"]
        "#,
    )
    .unwrap()
}

#[test]
fn weekdays_and_days() {
    use super::calendar::{add_days, weekday};
    assert_eq!(weekday(d("2026-11-27")), 4); // a Friday
    assert_eq!(weekday(d("2026-10-01")), 3); // a Thursday
    assert_eq!(weekday(d("2024-02-29")), 3);
    assert_eq!(add_days(d("2024-02-28"), 2), d("2024-03-01"));
    assert_eq!(add_days(d("2026-12-31"), 1), d("2027-01-01"));
    assert_eq!(add_days(d("2026-01-01"), -1), d("2025-12-31"));
}

#[test]
fn working_days_across_a_holiday_with_a_make_up_day() {
    let cal = test_calendar();
    let table = [
        // (start, working days, due)
        ("2026-11-27", 0, "2026-11-27"),
        ("2026-11-27", 1, "2026-11-30"), // Fri → Mon
        ("2026-11-25", 3, "2026-11-30"), // Wed → Thu, Fri, Mon
        ("2026-09-25", 1, "2026-09-27"), // Fri → make-up Sunday 27 Sep
        ("2026-09-29", 2, "2026-10-08"), // Tue → Wed 30 Sep, (holiday) Thu 8 Oct
        ("2026-09-30", 3, "2026-10-10"), // Wed → Thu 8, Fri 9, make-up Sat 10 Oct
        ("2026-10-01", 3, "2026-10-10"), // accepted on a holiday
        ("2026-09-30", 4, "2026-10-12"),
    ];
    for (start, n, due) in table {
        assert_eq!(deadline(&cal, d(start), n), d(due), "{start} + {n} WD");
        assert_eq!(
            cal.working_days_between(d(start), d(due)),
            n,
            "{start}..{due}"
        );
    }
    assert!(!cal.is_working_day(d("2026-10-05")));
    assert!(cal.is_working_day(d("2026-10-10")));
    assert!(!cal.is_working_day(d("2026-10-11")));

    // An empty calendar is plain Monday–Friday.
    assert_eq!(
        deadline(&Calendar::default(), d("2026-09-30"), 3),
        d("2026-10-05")
    );
}

#[test]
fn limits_use_the_calendar() {
    let cal = test_calendar();
    let o = Options::default();
    let f = ready(Dibao, App);
    let accepted = d("2026-09-30");
    // Investigation starts ≤3 WD after 受理.
    let t = allowed(&f, S::Submitted, A::Accept, R::Caseworker, &o).unwrap();
    let limit = t.limit.unwrap();
    assert_eq!(limit.code, "investigation_start");
    assert_eq!(limit.due(&cal, accepted, Some(accepted)), d("2026-10-10"));
    // 公示: 7 calendar days regardless of holidays; configurable.
    let t = allowed(&f, S::PrelimOpinion, A::StartPublicity, R::Lead, &o).unwrap();
    assert_eq!(
        t.limit.unwrap().due(&cal, d("2026-09-30"), None),
        d("2026-10-07")
    );
    let o10 = Options {
        publicity_days: 10,
        ..Options::default()
    };
    let t = allowed(&f, S::PrelimOpinion, A::StartPublicity, R::Lead, &o10).unwrap();
    assert_eq!(t.limit.unwrap().span, Span::CalendarDays(10));
    // Rejection notice ≤3 WD; decision ≤10 WD (特困 15).
    let t = allowed(&f, S::CountyReview, A::Reject, R::Bureau, &o).unwrap();
    assert_eq!(
        t.limit.unwrap().due(&cal, d("2026-09-30"), None),
        d("2026-10-10")
    );
    let t = allowed(&f, S::Reported, A::Receive, R::Bureau, &o).unwrap();
    assert_eq!(t.limit.unwrap().span, Span::WorkingDays(10));
    let t = allowed(&ready(Tekun, App), S::Reported, A::Receive, R::Bureau, &o).unwrap();
    assert_eq!(t.limit.unwrap().span, Span::WorkingDays(15));
    // Overall: 30 WD from 受理.
    let overall = overall_limit(&f, &o).unwrap();
    assert_eq!(
        overall.due(&cal, d("2026-11-01"), Some(accepted)),
        deadline(&cal, accepted, 30)
    );
    // The publicity period gates the report: posted on the 1st, 7 days counted from the 2nd, the
    // 8th is its last day (《民法典》第二百零一条); the report may follow on the 9th.
    let mut g = f.clone();
    g.publicity_started = Some(d("2026-12-01"));
    assert_eq!(publicity_last_day(d("2026-12-01"), &o), d("2026-12-08"));
    for today in ["2026-12-07", "2026-12-08"] {
        g.today = d(today);
        assert_eq!(
            allowed(&g, S::Publicity, A::Report, R::Lead, &o)
                .unwrap_err()
                .code,
            "publicity_not_over",
            "{today}"
        );
    }
    g.today = d("2026-12-09");
    assert!(allowed(&g, S::Publicity, A::Report, R::Lead, &o).is_ok());
}

#[test]
fn the_example_calendar_and_options_load() {
    let cal =
        Calendar::from_toml(include_str!("../../../config/calendars/example-2026.toml")).unwrap();
    assert!(cal.source.contains("unverified"));
    assert!(cal.holidays.contains(&d("2026-10-01")));
    assert!(cal.is_working_day(d("2026-10-10")));

    let o = Options::from_toml(
        "decider = \"township\"\ndemocratic_review = \"always\"\ndemocratic_review_order = \"before_publicity\"\npublicity_days = 7\n",
    )
    .unwrap();
    assert_eq!(o.decider, Decider::Township);
    assert_eq!(Options::from_toml("").unwrap(), Options::default());
    assert!(Options::from_toml("publicity_days = 0").is_err());
    // Shorter than the law's 7 days is refused when the file is loaded.
    let e = Options::from_toml("publicity_days = 6").unwrap_err();
    assert!(e.to_string().contains("publicity_days"), "{e}");
    assert!(Options::from_toml("check_objection_days = 0").is_err());
    assert!(Options::from_toml("decidr = \"bureau\"").is_err());
    assert!(
        Calendar::from_toml("holidays = [\"2026-10-10\"]\nworkdays = [\"2026-10-10\"]").is_err()
    );
}

#[test]
fn codes_are_stable_and_legacy_codes_are_gone() {
    assert_eq!(
        serde_json::to_string(&S::NeedsSupplement).unwrap(),
        "\"needs_supplement\""
    );
    assert_eq!(
        serde_json::to_string(&A::StartDemocraticReview).unwrap(),
        "\"start_democratic_review\""
    );
    for s in State::ALL {
        assert_eq!(State::from_code(s.code()), Some(*s));
        assert_eq!(
            serde_json::to_string(s).unwrap(),
            format!("\"{}\"", s.code())
        );
    }
    for a in Action::ALL {
        assert_eq!(
            serde_json::to_string(a).unwrap(),
            format!("\"{}\"", a.code())
        );
    }
    assert_eq!(State::from_code("accepted"), Some(S::Accepted));
    assert_eq!(State::from_code("investigating"), Some(S::Investigating));
    assert_eq!(State::from_code("returned"), None);
    assert_eq!(State::from_code("investigation_accepted"), None);
    assert_eq!(State::from_code("nonsense"), None);
    let r = Refusal {
        code: "wrong_role",
        zh: "x".into(),
    };
    assert_eq!(serde_json::to_value(&r).unwrap()["code"], "wrong_role");
}

#[test]
fn calendar_days_between_dates() {
    use super::calendar::{add_days, days_between};
    assert_eq!(days_between(d("2026-11-27"), d("2026-12-04")), 7);
    assert_eq!(days_between(d("2026-12-04"), d("2026-11-27")), -7);
    assert_eq!(
        days_between(d("2026-02-27"), d("2026-03-01")),
        2,
        "across the month end"
    );
    assert_eq!(
        add_days(
            d("2026-12-30"),
            days_between(d("2026-12-30"), d("2027-01-02"))
        ),
        d("2027-01-02")
    );
}

fn option_variants() -> Vec<(&'static str, Options)> {
    let mut before = Options::default();
    always_before(&mut ready(Dibao, App), &mut before);
    let mut after = Options::default();
    always_after(&mut ready(Dibao, App), &mut after);
    vec![
        ("defaults", Options::default()),
        ("always before 公示", before),
        ("always after 公示", after),
        (
            "decided by the township",
            Options {
                decider: Decider::Township,
                ..Options::default()
            },
        ),
        (
            "no 民主评议",
            Options {
                democratic_review: ReviewMode::Never,
                ..Options::default()
            },
        ),
    ]
}

/// Facts a real case can have: every fact whose source exists for this programme and kind.
fn reachable_facts(p: Programme, k: CaseKind, o: &Options) -> (CaseFacts, Vec<Fact>) {
    let mut base = CaseFacts::new(p, k, d("2026-12-10"));
    let routed = |a: Action| State::ALL.iter().any(|s| route(&base, *s, a, o).is_some());
    let usable: Vec<Fact> = Fact::ALL
        .iter()
        .copied()
        .filter(|f| match f.source() {
            Source::Action(a) => routed(a),
            _ => true,
        })
        .collect();
    let mut circumstances = Vec::new();
    for f in usable {
        // Facts a step that keeps the state establishes are varied too: before the step the
        // case lacks them, and taking the step is its way forward.
        let by_step = matches!(f.source(), Source::Action(a) if State::ALL.iter().any(|s| {
            route(&base, *s, a, o).is_some_and(|(to, _)| to == *s)
        }));
        if f.circumstantial() || by_step {
            circumstances.push(f);
        } else {
            f.establish(&mut base);
        }
    }
    (base, circumstances)
}

/// Refusals that depend on the region's options only, never on the case.
const OPTION_REFUSALS: &[&str] = &["democratic_review_not_now", "democratic_review_disabled"];

/// Issue 11 point 5: the engine's whole graph, for every programme, case kind and regional
/// option. Every state a case can reach that is not final has a way out — a move to another
/// state that some role may take — in every circumstance the case may be in, using only facts
/// that have a source; and every move the table routes can be taken in some circumstance.
#[test]
fn every_reachable_state_has_a_way_out() {
    for (label, o) in option_variants() {
        for p in Programme::ALL {
            for k in CaseKind::ALL {
                let (base, circumstances) = reachable_facts(*p, *k, &o);
                let mut variants = vec![base.clone()];
                for c in &circumstances {
                    let mut f = base.clone();
                    c.establish(&mut f);
                    variants.push(f);
                }
                let mut all = base.clone();
                circumstances.iter().for_each(|c| c.establish(&mut all));
                variants.push(all);

                let start = if *k != CaseKind::Application {
                    S::Accepted
                } else {
                    S::Draft
                };
                let mut seen = BTreeSet::from([start]);
                let mut queue = vec![start];
                while let Some(s) = queue.pop() {
                    let at = format!("{label}: {p} {k} in {s}");
                    let exits: Vec<(Action, State, &[Role])> = Action::ALL
                        .iter()
                        .filter_map(|a| route(&base, s, *a, &o).map(|(to, roles)| (*a, to, roles)))
                        .collect();
                    let takeable = |f: &CaseFacts, a: Action| {
                        Role::ALL.iter().any(|r| allowed(f, s, a, *r, &o).is_ok())
                    };
                    // Moves the region's options switch off are refused for that reason alone.
                    let switched_off = |a: Action| {
                        variants.iter().all(|f| {
                            Role::ALL.iter().all(|r| {
                                allowed(f, s, a, *r, &o).is_err_and(|e| {
                                    e.code == "wrong_role" || OPTION_REFUSALS.contains(&e.code)
                                })
                            })
                        })
                    };
                    for (a, to, _) in &exits {
                        assert!(
                            variants.iter().any(|f| takeable(f, *a)) || switched_off(*a),
                            "{at}: the move {a} can never be taken"
                        );
                        if seen.insert(*to) {
                            queue.push(*to);
                        }
                    }
                    if s.is_final() {
                        continue;
                    }
                    // A step that keeps the state moves the case on when it establishes a fact
                    // the case still lacks (the visit accepted, the decider's visit recorded).
                    let progresses = |f: &CaseFacts, a: Action| {
                        Fact::ALL.iter().any(|x| {
                            x.source() == Source::Action(a) && {
                                let mut g = f.clone();
                                x.establish(&mut g);
                                g != *f
                            }
                        })
                    };
                    for (i, f) in variants.iter().enumerate() {
                        assert!(
                            exits.iter().any(|(a, to, _)| {
                                (*to != s || progresses(f, *a)) && takeable(f, *a)
                            }),
                            "{at}: no way out in circumstance {i} ({:?})",
                            circumstances.get(i.wrapping_sub(1))
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn every_fact_has_a_source_and_action_sources_are_routed() {
    for f in Fact::ALL {
        if let Source::Action(a) = f.source() {
            let routed = Programme::ALL.iter().any(|p| {
                CaseKind::ALL.iter().any(|k| {
                    State::ALL
                        .iter()
                        .any(|s| route(&ready(*p, *k), *s, a, &Options::default()).is_some())
                })
            });
            assert!(routed, "{f:?} comes from {a}, which no state routes");
        }
    }
    // Each precondition fact of `CaseFacts` is listed: establishing all of them from nothing
    // gives `ready`'s facts (dates and names aside).
    let mut f = CaseFacts::new(Dibao, App, d("2026-12-10"));
    Fact::ALL.iter().for_each(|x| x.establish(&mut f));
    let r = ready(Dibao, App);
    assert_eq!(
        (
            f.promise_signed,
            f.consent_signed,
            f.supplement_provided,
            f.situation_recorded
        ),
        (
            r.promise_signed,
            r.consent_signed,
            r.supplement_provided,
            r.situation_recorded
        )
    );
    assert!(f.check_failed && f.check_objection_window_closed && f.refused_cooperation);
    assert!(f.decider_visit_done && f.complaint_during_review && f.review_minutes_recorded);
    assert!(f.visit.is_some_and(|v| v.finalized && v.accepted));
}

#[test]
fn roles_parse_from_their_codes() {
    for r in Role::ALL {
        assert_eq!(r.as_str().parse::<Role>(), Ok(*r));
    }
    assert!("boss".parse::<Role>().is_err());
}
