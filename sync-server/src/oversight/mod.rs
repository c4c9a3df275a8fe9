//! Oversight (issue 14): the dashboards of a township lead and of the banner bureau, the monthly
//! payment list (发放花名册) and the 民政统计 monthly figures. Pure figures over [`CaseFigure`]s,
//! which [`gather`] reads in one pass: the queue's rows (state, deadline, team — `review::scope`)
//! joined with each case's flow (programme, decision, household size). `docs/oversight.md` says
//! where each figure comes from.

pub mod dashboard;
pub mod payments;
pub mod statistics;

use crate::blobs::BlobDir;
use crate::review::access::{banner_wide, sees};
use crate::review::queue::{CaseRow, Filter};
use crate::review::{scope, text};
use crate::store::{Store, User};
use crate::workflow::config::WorkflowConfig;
use crate::workflow::flow::{Assessment, Flow, case_type_of};
use crate::workflow::{WorkflowError, flows};
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::{CaseKind, Programme, Role, State};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A calendar month, `YYYY-MM`: the period of a payment list and of the monthly figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u8,
}

impl Month {
    pub fn of(date: Date) -> Month {
        let s = date.to_string();
        s[..7].parse().expect("a date's month is a month")
    }

    fn previous(self) -> Month {
        match self.month {
            1 => Month {
                year: self.year - 1,
                month: 12,
            },
            m => Month {
                year: self.year,
                month: m - 1,
            },
        }
    }

    /// The `n` months ending with this one, oldest first.
    pub fn last(self, n: usize) -> Vec<Month> {
        let mut out = vec![self];
        while out.len() < n {
            out.push(out[out.len() - 1].previous());
        }
        out.reverse();
        out
    }

    /// `2026年11月`, as reports title their period.
    pub fn zh(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = WorkflowError;

    /// Exactly `YYYY-MM`; anything else is refused in the console's words.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || WorkflowError::Invalid(text::BAD_MONTH.into());
        let b = s.as_bytes();
        if b.len() != 7
            || b[4] != b'-'
            || !s
                .chars()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit())
        {
            return Err(bad());
        }
        let year: i32 = s[..4].parse().map_err(|_| bad())?;
        let month: u8 = s[5..].parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || year < 1900 {
            return Err(bad());
        }
        Ok(Month { year, month })
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Whether `role` sees oversight figures: the township lead, the bureau and admins. Caseworkers
/// work the queue; field and public roles never use the console.
pub fn may_oversee(role: Role) -> bool {
    matches!(role, Role::Lead | Role::Bureau | Role::Admin)
}

/// The township the figures are for (`None`: every township the user sees, side by side). A
/// lead's figures are their township's; asking for another answers "not found", as any
/// out-of-scope request does.
pub fn township_scope(user: &User, asked: Option<&str>) -> Result<Option<String>, WorkflowError> {
    if !may_oversee(user.role) {
        return Err(WorkflowError::Forbidden(text::FORBIDDEN.into()));
    }
    match asked.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) if sees(user, t) => Ok(Some(t.to_string())),
        Some(_) => Err(WorkflowError::NotFound(text::NOT_FOUND.into())),
        None if banner_wide(user.role) => Ok(None),
        None => Ok(Some(user.township.clone())),
    }
}

/// What the approving authority decided for a case: the monthly amount (or the one-off amount of
/// 临时救助), the first month paid and the month of the decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub amount_fen: i64,
    pub start: Month,
    pub decided: Month,
}

/// One case as the figures see it: its queue row and what its flow says.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFigure {
    pub row: CaseRow,
    pub programme: Option<Programme>,
    /// A new application (a change review is the same household again, not another one).
    pub application: bool,
    pub state: Option<State>,
    /// The day the case entered its state (a refusal's or a stop's day).
    pub entered: Option<Date>,
    /// Household members declared (the application's, or the file's for cases entered from one).
    pub people: usize,
    pub decision: Option<Decided>,
    /// What the rules proposed at the decision (渐退, 低保边缘), when it was kept.
    pub assessment: Option<Assessment>,
}

impl CaseFigure {
    pub fn new(row: CaseRow, flow: Option<&Flow>) -> CaseFigure {
        let Some(f) = flow else {
            return CaseFigure {
                row,
                programme: None,
                application: false,
                state: None,
                entered: None,
                people: 0,
                decision: None,
                assessment: None,
            };
        };
        let people = match &f.application {
            Some(app) => app.members.len(),
            None => f.facts.declared_people.len(),
        };
        let decision = f.facts.decision.as_ref().and_then(|d| {
            Some(Decided {
                amount_fen: d.amount_fen,
                start: d.start_month.parse().ok()?,
                decided: Month::of(Date::in_china(d.at)),
            })
        });
        CaseFigure {
            row,
            programme: Some(f.programme),
            application: f.kind == CaseKind::Application,
            state: Some(f.state),
            entered: Some(f.entered),
            people,
            decision,
            assessment: f.facts.assessment.clone(),
        }
    }

    /// Paid on during a 渐退 period: the rules said so when the case was decided.
    pub fn phase_out(&self) -> bool {
        self.assessment.as_ref().is_some_and(|a| a.phase_out)
    }

    /// Refused 低保 but found a 低保边缘 household by the rules at the refusal.
    pub fn edge(&self) -> bool {
        self.state == Some(State::Rejected) && self.assessment.as_ref().is_some_and(|a| a.edge)
    }

    /// 城市 or 农村牧区 the way the case's type is set: a 社区 is urban (`flow::case_type_of`).
    pub fn urban(&self) -> bool {
        case_type_of(Programme::Dibao, &self.row.village) == "urban_dibao"
    }

    /// A monthly programme (低保, 特困) rather than a one-off payment (临时救助).
    pub fn monthly(&self) -> bool {
        matches!(self.programme, Some(Programme::Dibao | Programme::Tekun))
    }

    /// What the household is paid for `month`, if anything: a monthly programme from its start
    /// month while decided (确认, 公布, 在保) and up to the month before a stop (停发); 临时救助
    /// once, in its start month. The amount is the one in force now: flows keep no earlier one.
    pub fn paid_in(&self, month: Month) -> Option<i64> {
        let d = self.decision.as_ref().filter(|_| self.application)?;
        let state = self.state?;
        let decided = matches!(state, State::Approved | State::Published | State::Active);
        let paid = if self.monthly() {
            d.start <= month
                && (decided
                    || (state == State::Stopped
                        && self.entered.is_some_and(|e| Month::of(e) > month)))
        } else {
            d.start == month && (decided || state == State::Stopped)
        };
        paid.then_some(d.amount_fen)
    }

    /// Refused (不予确认, or closed as ineligible after the 核对): the month it happened.
    pub fn refused_in(&self) -> Option<Month> {
        let refused = matches!(self.state?, State::Rejected | State::ClosedIneligible);
        let entered = self.entered.filter(|_| self.application && refused)?;
        Some(Month::of(entered))
    }
}

/// The cases of `township` (every township the user sees when `None`): the queue's rows, each
/// with its flow. Two reads whatever the number of cases.
pub fn gather(
    store: &dyn Store,
    blobs: &BlobDir,
    config: &WorkflowConfig,
    (user, township): (&User, Option<&str>),
    today: Date,
) -> Result<Vec<CaseFigure>, WorkflowError> {
    let rows = scope::rows(store, blobs, config, user, today)?;
    let flows: HashMap<String, Flow> = flows::all_flows(store)?
        .into_iter()
        .map(|f| (f.case_id.clone(), f))
        .collect();
    Ok(rows
        .into_iter()
        .filter(|r| township.is_none_or(|t| r.township == t))
        .map(|r| {
            let flow = flows.get(&r.case_id.to_string());
            CaseFigure::new(r, flow)
        })
        .collect())
}

/// The queue filter a figure links to, tested the same way the queue tests it.
pub fn queue_filter(set: impl FnOnce(&mut Filter)) -> Filter {
    let mut f = Filter::default();
    set(&mut f);
    f
}

/// A table as a report or a chart's data shows it, for Excel (and the PDF).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Table {
    pub sheet: String,
    /// Header rows; a cell spanning several columns is repeated in each (merged in Excel).
    pub headers: Vec<Vec<String>>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Cell {
    Text(String),
    Count(i64),
    /// Money in fen, written as yuan with two decimals.
    Fen(i64),
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Fen(f) => jiuzhu_shared::workflow::publicity::yuan(*f),
        }
    }
}

impl Table {
    /// The table as the screen shows it: every cell as text, money in yuan.
    pub fn shown(&self) -> serde_json::Value {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(Cell::text).collect())
            .collect();
        serde_json::json!({ "sheet": self.sheet, "headers": self.headers, "rows": rows })
    }
}

/// A workbook with one sheet per table: merged header cells, numbers as numbers.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_align(rust_xlsxwriter::FormatAlign::Center)
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let money = Format::new().set_num_format("0.00");
    for t in tables {
        let sheet = wb.add_worksheet();
        sheet.set_name(&t.sheet)?;
        for (r, header) in t.headers.iter().enumerate() {
            let r = r as u32;
            let mut c = 0;
            while c < header.len() {
                // Equal neighbours in a header row are one merged cell.
                let mut end = c;
                while end + 1 < header.len() && header[end + 1] == header[c] {
                    end += 1;
                }
                if end > c {
                    sheet.merge_range(r, c as u16, r, end as u16, &header[c], &bold)?;
                } else {
                    sheet.write_string_with_format(r, c as u16, &header[c], &bold)?;
                }
                c = end + 1;
            }
        }
        let top = t.headers.len() as u32;
        for (i, row) in t.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (top + i as u32, c as u16);
                match cell {
                    Cell::Text(s) => sheet.write_string(r, c, s)?,
                    Cell::Count(n) => sheet.write_number(r, c, *n as f64)?,
                    Cell::Fen(f) => {
                        sheet.write_number_with_format(r, c, *f as f64 / 100.0, &money)?
                    }
                };
            }
        }
        sheet.autofit();
    }
    wb.save_to_buffer()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use jiuzhu_shared::CaseId;

    pub fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    pub fn month(s: &str) -> Month {
        s.parse().unwrap()
    }

    /// A case of `township` in `state` as the figures see it, for the pure tests.
    pub fn case(township: &str, village: &str, programme: Programme, state: State) -> CaseFigure {
        CaseFigure {
            row: CaseRow {
                case_id: CaseId::new(),
                case_no: format!("{township}-{}", CaseId::new()),
                applicant: "申请人".into(),
                township: township.into(),
                village: village.into(),
                status: state.code().into(),
                team: Vec::new(),
                deadline: None,
                visits: 0,
                photos: 0,
                photos_present: 0,
                evidence_complete: true,
                conflicts: 0,
                open_notes: 0,
                updated_at: 0,
                state: Some(state.code().into()),
                state_zh: Some(state.zh().into()),
                due: None,
                remaining_working_days: None,
                calendar_days: false,
                overdue: false,
            },
            programme: Some(programme),
            application: true,
            state: Some(state),
            entered: Some(date("2026-10-10")),
            people: 3,
            decision: None,
            assessment: None,
        }
    }

    pub fn decided(mut c: CaseFigure, amount_fen: i64, start: &str, decided: &str) -> CaseFigure {
        c.decision = Some(Decided {
            amount_fen,
            start: month(start),
            decided: month(decided),
        });
        c
    }

    #[test]
    fn months_parse_strictly_and_count_back_over_a_year_end() {
        assert_eq!(month("2026-11").to_string(), "2026-11");
        for bad in [
            "2026-13",
            "2026-1",
            "26-11",
            "2026/11",
            "2026-00",
            "abcd-ef",
            "2026-11-01",
            "",
        ] {
            let e = bad.parse::<Month>().unwrap_err();
            assert_eq!(e.to_string(), text::BAD_MONTH, "{bad}");
        }
        let last: Vec<String> = month("2026-02")
            .last(4)
            .iter()
            .map(Month::to_string)
            .collect();
        assert_eq!(last, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!(Month::of(date("2026-12-31")), month("2026-12"));
        assert_eq!(month("2026-03").zh(), "2026年3月");
    }

    /// Paid from the start month while decided; a stop ends the payment with the month before
    /// it; 临时救助 is paid once.
    #[test]
    fn payment_months_follow_start_stop_and_one_off_aid() {
        let active = decided(
            case("树林召镇", "王爱召嘎查", Programme::Dibao, State::Active),
            50_000,
            "2026-09",
            "2026-08",
        );
        assert_eq!(active.paid_in(month("2026-08")), None);
        assert_eq!(active.paid_in(month("2026-09")), Some(50_000));
        assert_eq!(active.paid_in(month("2027-01")), Some(50_000));

        let mut stopped = active.clone();
        stopped.state = Some(State::Stopped);
        stopped.entered = Some(date("2026-11-01"));
        assert_eq!(stopped.paid_in(month("2026-10")), Some(50_000));
        assert_eq!(stopped.paid_in(month("2026-11")), None);

        let mut pending = active.clone();
        pending.state = Some(State::CountyReview);
        assert_eq!(pending.paid_in(month("2026-10")), None);

        let mut review = active.clone();
        review.application = false;
        assert_eq!(
            review.paid_in(month("2026-10")),
            None,
            "a change review is not a second household"
        );

        let aid = decided(
            case(
                "树林召镇",
                "王爱召嘎查",
                Programme::TemporaryExpense,
                State::Active,
            ),
            200_000,
            "2026-10",
            "2026-10",
        );
        assert_eq!(aid.paid_in(month("2026-10")), Some(200_000));
        assert_eq!(aid.paid_in(month("2026-11")), None);
    }

    #[test]
    fn scope_keeps_a_lead_in_their_township_and_refuses_caseworkers() {
        let user = |role, township: &str| User {
            id: 1,
            name: "某人".into(),
            role,
            township: township.into(),
        };
        let lead = user(Role::Lead, "树林召镇");
        assert_eq!(
            township_scope(&lead, None).unwrap().as_deref(),
            Some("树林召镇")
        );
        assert_eq!(
            township_scope(&lead, Some("树林召镇")).unwrap().as_deref(),
            Some("树林召镇")
        );
        assert!(matches!(
            township_scope(&lead, Some("王爱召镇")),
            Err(WorkflowError::NotFound(_))
        ));
        let bureau = user(Role::Bureau, "");
        assert_eq!(township_scope(&bureau, None).unwrap(), None);
        assert_eq!(
            township_scope(&bureau, Some("王爱召镇"))
                .unwrap()
                .as_deref(),
            Some("王爱召镇")
        );
        for role in [
            Role::Caseworker,
            Role::Investigator,
            Role::Representative,
            Role::Applicant,
        ] {
            assert!(matches!(
                township_scope(&user(role, "树林召镇"), None),
                Err(WorkflowError::Forbidden(_))
            ));
        }
    }
}

#[cfg(test)]
mod store_tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;
    use crate::workflow::intake;

    fn case_json(no: &str, township: &str, case_type: &str) -> String {
        serde_json::json!({"header": {"case_no": no, "case_type": case_type, "applicant_name": "巴特尔",
            "applicant_id_number": "150621196505120011", "township": township, "village": "王爱召嘎查"}})
        .to_string()
    }

    /// The figures read from a real store: each case once, in its township, in the state its flow
    /// is in now; a case moved to another state moves between the counts, a lead reaches only
    /// their township.
    #[test]
    fn gathered_from_the_store_and_following_a_move() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.sqlite")).unwrap();
        let blobs = BlobDir::open(&dir.path().join("blobs")).unwrap();
        let config = WorkflowConfig::default();
        let now = crate::clock::now();
        let today = Date::in_china(now);
        for name in ["王五", "赵六"] {
            store
                .add_user(name, Role::Investigator, "树林召镇", now)
                .unwrap();
        }
        let a = intake::add_case(
            &store,
            &config,
            &case_json("A-1", "树林召镇", "rural_dibao"),
            now,
        )
        .unwrap();
        intake::add_case(&store, &config, &case_json("A-2", "树林召镇", "tekun"), now).unwrap();
        intake::add_case(
            &store,
            &config,
            &case_json("B-1", "王爱召镇", "rural_dibao"),
            now,
        )
        .unwrap();
        let bureau = User {
            id: 1,
            name: "白玉梅".into(),
            role: Role::Bureau,
            township: String::new(),
        };
        let lead = User {
            id: 2,
            name: "乔志强".into(),
            role: Role::Lead,
            township: "树林召镇".into(),
        };
        let figures = |user: &User, township: Option<&str>| {
            dashboard::dashboard(
                &gather(&store, &blobs, &config, (user, township), today).unwrap(),
                today,
            )
        };
        let d = figures(&bureau, None);
        assert_eq!(d.townships.len(), 2);
        assert_eq!(d.total.cases, 3);
        assert_eq!(d.total.by_state.get("accepted"), Some(&3));
        assert_eq!(d.townships[0].by_programme.get("tekun"), Some(&1));
        let own = figures(&lead, township_scope(&lead, None).unwrap().as_deref());
        assert_eq!((own.townships.len(), own.total.cases), (1, 2));

        intake::assign(&store, &config, a, &["王五".into(), "赵六".into()], now).unwrap();
        let d = figures(&bureau, None);
        assert_eq!(d.total.by_state.get("accepted"), Some(&2));
        assert_eq!(d.total.by_state.get("investigating"), Some(&1));
        assert_eq!(d.total.investigators.get("王五"), Some(&1));
    }
}
