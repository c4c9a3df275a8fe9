//! The caseworkers' queue: filtering, sorting and counting case rows. Pure: no HTTP, no SQL.

use crate::store::CaseView;
use jiuzhu_shared::CaseId;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::State;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Query parameters of `/api/console/cases` (and the Excel export).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Filter {
    pub state: Option<String>,
    pub village: Option<String>,
    pub investigator: Option<String>,
    pub conflicts: Option<String>,
    pub evidence: Option<String>,
    pub returned: Option<String>,
    pub deadline_before: Option<String>,
    /// Only cases past their working-day deadline.
    pub overdue: Option<String>,
    /// The township (the bureau's queue spans the banner).
    pub township: Option<String>,
    /// The programme code (`dibao`, `tekun`…), held by the flows: `scope::of_programme`.
    pub programme: Option<String>,
    /// Only cases not overdue whose deadline is at most this many days away (as the deadline
    /// counts them: working days, calendar days for 公示).
    pub due_within: Option<String>,
    /// Only cases not in a final state (an investigator's open load).
    pub open: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseRow {
    pub case_id: CaseId,
    pub case_no: String,
    pub applicant: String,
    pub township: String,
    pub village: String,
    pub status: String,
    pub team: Vec<String>,
    pub deadline: Option<String>,
    pub visits: usize,
    pub photos: usize,
    pub photos_present: usize,
    pub evidence_complete: bool,
    pub conflicts: usize,
    /// Review notes still open: a case returned for correction (退回补正) has some.
    pub open_notes: usize,
    pub updated_at: i64,
    /// Workflow state (code and label) and the running deadline in working days.
    pub state: Option<String>,
    pub state_zh: Option<String>,
    pub due: Option<String>,
    pub remaining_working_days: Option<i64>,
    /// The remaining days are calendar days (the 公示 period), not working days.
    pub calendar_days: bool,
    pub overdue: bool,
}

/// A row's running deadline as of today.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowDue {
    pub due: Date,
    /// Days left (negative: days late), in working days unless `calendar_days`.
    pub remaining: i64,
    pub calendar_days: bool,
    pub overdue: bool,
}

impl CaseRow {
    /// Fill the workflow columns: the case's state and its next deadline.
    pub fn set_workflow(&mut self, state: State, due: Option<RowDue>) {
        self.state = Some(state.code().to_string());
        self.state_zh = Some(state.zh().to_string());
        if let Some(d) = due {
            self.due = Some(d.due.to_string());
            self.deadline = self.due.clone();
            self.remaining_working_days = Some(d.remaining);
            self.calendar_days = d.calendar_days;
            self.overdue = d.overdue;
        }
    }

    pub fn from_view(v: &CaseView, present: impl Fn(&str) -> bool) -> Self {
        let photos_present = v.photos.iter().filter(|h| present(h)).count();
        CaseRow {
            case_id: v.case_id,
            case_no: v.case_no.clone(),
            applicant: v.applicant.clone(),
            township: v.township.clone(),
            village: v.village.clone(),
            status: v.status.clone(),
            team: v.team.clone(),
            deadline: v.deadline.clone(),
            visits: v.visits,
            photos: v.photos.len(),
            photos_present,
            evidence_complete: photos_present == v.photos.len(),
            conflicts: v.conflicts.len(),
            open_notes: v.open_notes,
            updated_at: v.updated_at,
            state: None,
            state_zh: None,
            due: None,
            remaining_working_days: None,
            calendar_days: false,
            overdue: false,
        }
    }
}

fn flag(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("1" | "true" | "yes"))
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Filter {
    pub fn matches(&self, r: &CaseRow) -> bool {
        nonempty(&self.state).is_none_or(|s| r.status == s || r.state.as_deref() == Some(s))
            && nonempty(&self.village).is_none_or(|v| r.village == v)
            && nonempty(&self.investigator).is_none_or(|i| r.team.iter().any(|t| t == i))
            && (!flag(&self.conflicts) || r.conflicts > 0)
            && (!flag(&self.returned) || r.open_notes > 0)
            && (!flag(&self.overdue) || r.overdue)
            && nonempty(&self.township).is_none_or(|t| r.township == t)
            && nonempty(&self.due_within)
                .and_then(|n| n.parse::<i64>().ok())
                .is_none_or(|n| {
                    !r.overdue && r.remaining_working_days.is_some_and(|d| (0..=n).contains(&d))
                })
            && (!flag(&self.open)
                || r.state
                    .as_deref()
                    .and_then(State::from_code)
                    .is_none_or(|s| !s.is_final()))
            && match nonempty(&self.evidence) {
                Some("complete") => r.evidence_complete,
                Some("incomplete") => !r.evidence_complete,
                _ => true,
            }
            && nonempty(&self.deadline_before)
                .is_none_or(|d| r.deadline.as_deref().is_some_and(|x| x <= d))
            // Names compared in search form: a Mongolian name matches however its variation
            // selectors and suffix spaces were typed.
            && nonempty(&self.q).is_none_or(|q| {
                jiuzhu_shared::mongolian::search_matches(&r.applicant, q) || r.case_no.contains(q)
            })
    }

    /// Filter and sort; counts per state are over the rows before the state filter, so the tabs
    /// show what choosing another state would give.
    pub fn apply(&self, rows: Vec<CaseRow>) -> (Vec<CaseRow>, BTreeMap<String, usize>) {
        let without_state = Filter {
            state: None,
            ..self.clone()
        };
        let mut counts = BTreeMap::new();
        for r in rows.iter().filter(|r| without_state.matches(r)) {
            *counts.entry(r.status.clone()).or_insert(0) += 1;
        }
        let mut out: Vec<CaseRow> = rows.into_iter().filter(|r| self.matches(r)).collect();
        match nonempty(&self.sort).unwrap_or("deadline") {
            "updated" => out.sort_by_key(|r| r.updated_at),
            "case_no" => out.sort_by(|a, b| a.case_no.cmp(&b.case_no)),
            "applicant" => out.sort_by(|a, b| a.applicant.cmp(&b.applicant)),
            // No deadline sorts last.
            _ => out.sort_by(|a, b| {
                (a.deadline.is_none(), &a.deadline, &a.case_no).cmp(&(
                    b.deadline.is_none(),
                    &b.deadline,
                    &b.case_no,
                ))
            }),
        }
        if nonempty(&self.order) == Some("desc") {
            out.reverse();
        }
        (out, counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        no: &str,
        status: &str,
        village: &str,
        deadline: Option<&str>,
        conflicts: usize,
        photos: (usize, usize),
    ) -> CaseRow {
        CaseRow {
            case_id: CaseId::new(),
            case_no: no.into(),
            applicant: format!("申请人{no}"),
            township: "树林召镇".into(),
            village: village.into(),
            status: status.into(),
            team: vec!["王五".into(), "赵六".into()],
            deadline: deadline.map(String::from),
            visits: 1,
            photos: photos.0,
            photos_present: photos.1,
            evidence_complete: photos.0 == photos.1,
            conflicts,
            // A case with open notes in these rows is the one in 公示 (an objection's task).
            open_notes: usize::from(status == "publicity"),
            updated_at: 0,
            state: None,
            state_zh: None,
            due: None,
            remaining_working_days: None,
            calendar_days: false,
            overdue: false,
        }
    }

    #[test]
    fn overdue_filter_keeps_cases_past_their_deadline() {
        let mut late = row(
            "L",
            "investigating",
            "王爱召嘎查",
            Some("2026-01-05"),
            0,
            (0, 0),
        );
        late.overdue = true;
        late.remaining_working_days = Some(-2);
        let rows = vec![
            late,
            row(
                "O",
                "investigating",
                "王爱召嘎查",
                Some("2026-12-05"),
                0,
                (0, 0),
            ),
        ];
        let f = Filter {
            overdue: Some("1".into()),
            ..Filter::default()
        };
        let (out, _) = f.apply(rows);
        assert_eq!(
            out.iter().map(|r| r.case_no.as_str()).collect::<Vec<_>>(),
            ["L"]
        );
    }

    fn rows() -> Vec<CaseRow> {
        vec![
            row(
                "A",
                "investigating",
                "王爱召嘎查",
                Some("2026-12-10"),
                1,
                (2, 1),
            ),
            row("B", "publicity", "树林召村", Some("2026-12-01"), 0, (1, 1)),
            row("C", "investigating", "树林召村", None, 0, (0, 0)),
        ]
    }

    fn nos(v: &[CaseRow]) -> Vec<&str> {
        v.iter().map(|r| r.case_no.as_str()).collect()
    }

    #[test]
    fn filters_combine_and_counts_ignore_the_state_filter() {
        let f = Filter {
            state: Some("investigating".into()),
            village: Some("树林召村".into()),
            ..Default::default()
        };
        let (out, counts) = f.apply(rows());
        assert_eq!(nos(&out), ["C"]);
        assert_eq!(counts.get("publicity"), Some(&1));
        assert_eq!(counts.get("investigating"), Some(&1));
        let one = |set: fn(&mut Filter)| {
            let mut f = Filter::default();
            set(&mut f);
            f.apply(rows()).0
        };
        assert_eq!(nos(&one(|f| f.conflicts = Some("1".into()))), ["A"]);
        assert_eq!(nos(&one(|f| f.evidence = Some("incomplete".into()))), ["A"]);
        assert_eq!(nos(&one(|f| f.returned = Some("true".into()))), ["B"]);
        assert_eq!(
            nos(&one(|f| f.deadline_before = Some("2026-12-05".into()))),
            ["B"]
        );
        assert_eq!(nos(&one(|f| f.q = Some("申请人C".into()))), ["C"]);
    }

    #[test]
    fn a_mongolian_name_is_found_however_its_invisible_characters_were_typed() {
        let mut rows = rows();
        // ᠰᠠᠷᠠᠨ᠎ᠠ (Saran-a) with the vowel separator, as a Mongolian keyboard types it.
        rows[1].applicant = "ᠰᠠᠷᠠᠨ\u{180E}ᠠ ᠪᠠᠲᠤ\u{202F}ᠶᠢᠨ".into();
        let find = |q: &str| {
            let f = Filter {
                q: Some(q.into()),
                ..Default::default()
            };
            nos(&f.apply(rows.clone()).0)
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        };
        assert_eq!(find("ᠰᠠᠷᠠᠨᠠ"), ["B"]);
        assert_eq!(find("ᠪᠠᠲᠤᠶᠢᠨ"), ["B"]);
        assert_eq!(find("ᠰ\u{180B}ᠠᠷᠠᠨ\u{180E}ᠠ"), ["B"]);
        assert!(find("ᠪᠠᠶᠠᠷ").is_empty());
    }

    #[test]
    fn sorts_by_deadline_with_missing_last_and_reverses() {
        assert_eq!(nos(&Filter::default().apply(rows()).0), ["B", "A", "C"]);
        let f = Filter {
            sort: Some("case_no".into()),
            order: Some("desc".into()),
            ..Default::default()
        };
        assert_eq!(nos(&f.apply(rows()).0), ["C", "B", "A"]);
    }
}
