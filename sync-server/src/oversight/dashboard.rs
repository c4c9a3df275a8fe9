//! The dashboard's figures, per township and in total, in one pass over the cases; each chart's
//! table for Excel.

use super::{CaseFigure, Cell, Month, Table, queue_filter};
use crate::monitoring::figures::RuleFigures;
use crate::monitoring::rules::Rule;
use crate::review::queue::Filter;
use crate::review::text;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::{Programme, State};
use serde::Serialize;
use std::collections::BTreeMap;

/// Months the monthly series cover, the current one last.
pub const MONTHS: usize = 12;
/// "Due this week": at most this many days left (working days; calendar days for 公示), the
/// queue's `due_within`.
pub const DUE_WITHIN: i64 = 5;

/// One township's figures (or the total's, township empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub township: String,
    pub cases: usize,
    /// Workflow state code → cases (the header status for a case without a flow).
    pub by_state: BTreeMap<String, usize>,
    /// Programme code → cases.
    pub by_programme: BTreeMap<String, usize>,
    pub overdue: usize,
    pub due_soon: usize,
    /// New applications approved / refused in each of `Dashboard::months`.
    pub approvals: Vec<usize>,
    pub refusals: Vec<usize>,
    /// Households and people paid 低保 or 特困 this month.
    pub households_in_payment: usize,
    pub people_in_payment: usize,
    /// Of those households, paid on during a 渐退 period.
    pub phase_out: usize,
    /// Refused households the rules found 低保边缘 (they enter the low-income register).
    pub edge: usize,
    /// What was paid for each of `Dashboard::months` (every programme), in fen.
    pub spending_fen: Vec<i64>,
    /// Investigator → open cases on their team.
    pub investigators: BTreeMap<String, usize>,
    /// 主动发现: the warnings and what became of them.
    pub discovery: Discovery,
}

/// 主动发现 in a township (issue 15): warnings by rule, handled within their limit, applications
/// opened from them, families helped.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Discovery {
    /// Rule code → warnings.
    pub by_rule: BTreeMap<String, usize>,
    pub handled_in_limit: usize,
    pub applications: usize,
    pub helped: usize,
}

impl Discovery {
    fn add(&mut self, r: &RuleFigures) {
        *self.by_rule.entry(r.rule.code().into()).or_default() += r.warnings;
        self.handled_in_limit += r.handled_in_limit;
        self.applications += r.applications;
        self.helped += r.helped;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub today: String,
    pub month: String,
    pub months: Vec<String>,
    pub due_within: i64,
    /// One entry per township, by name.
    pub townships: Vec<Figures>,
    pub total: Figures,
    pub state_labels: BTreeMap<&'static str, &'static str>,
    pub programme_labels: BTreeMap<&'static str, &'static str>,
    /// Warning rule code → its Chinese name.
    pub rule_labels: BTreeMap<&'static str, &'static str>,
}

/// The queue's own tests of a row, so a figure and the queue it links to count the same cases.
struct Probes {
    overdue: Filter,
    due_soon: Filter,
    open: Filter,
}

impl Figures {
    fn new(township: &str) -> Figures {
        Figures {
            township: township.to_string(),
            approvals: vec![0; MONTHS],
            refusals: vec![0; MONTHS],
            spending_fen: vec![0; MONTHS],
            ..Figures::default()
        }
    }

    fn add(&mut self, c: &CaseFigure, months: &[Month], probes: &Probes) {
        let r = &c.row;
        self.cases += 1;
        let state = r.state.clone().unwrap_or_else(|| r.status.clone());
        *self.by_state.entry(state).or_default() += 1;
        if let Some(p) = c.programme {
            *self.by_programme.entry(p.code().to_string()).or_default() += 1;
        }
        self.overdue += usize::from(probes.overdue.matches(r));
        self.due_soon += usize::from(probes.due_soon.matches(r));
        if probes.open.matches(r) {
            for name in &r.team {
                *self.investigators.entry(name.clone()).or_default() += 1;
            }
        }
        let at = |m: Month| months.iter().position(|x| *x == m);
        if let Some(i) = c
            .decision
            .as_ref()
            .filter(|_| c.application)
            .and_then(|d| at(d.decided))
        {
            self.approvals[i] += 1;
        }
        if let Some(i) = c.refused_in().and_then(at) {
            self.refusals[i] += 1;
        }
        self.edge += usize::from(c.edge());
        for (i, m) in months.iter().enumerate() {
            if let Some(fen) = c.paid_in(*m) {
                self.spending_fen[i] += fen;
                if i + 1 == months.len() && c.monthly() {
                    self.households_in_payment += 1;
                    self.people_in_payment += c.people;
                    self.phase_out += usize::from(c.phase_out());
                }
            }
        }
    }
}

/// The figures of `cases` on `today`, per township and in total.
pub fn dashboard(cases: &[CaseFigure], today: Date) -> Dashboard {
    let month = Month::of(today);
    let months = month.last(MONTHS);
    let probes = Probes {
        overdue: queue_filter(|f| f.overdue = Some("1".into())),
        due_soon: queue_filter(|f| f.due_within = Some(DUE_WITHIN.to_string())),
        open: queue_filter(|f| f.open = Some("1".into())),
    };
    let mut total = Figures::new("");
    let mut townships: BTreeMap<&str, Figures> = BTreeMap::new();
    for c in cases {
        total.add(c, &months, &probes);
        townships
            .entry(&c.row.township)
            .or_insert_with(|| Figures::new(&c.row.township))
            .add(c, &months, &probes);
    }
    Dashboard {
        today: today.to_string(),
        month: month.to_string(),
        months: months.iter().map(Month::to_string).collect(),
        due_within: DUE_WITHIN,
        townships: townships.into_values().collect(),
        total,
        state_labels: State::ALL.iter().map(|s| (s.code(), s.zh())).collect(),
        programme_labels: Programme::ALL.iter().map(|p| (p.code(), p.zh())).collect(),
        rule_labels: Rule::ALL.iter().map(|r| (r.code(), r.zh())).collect(),
    }
}

/// The charts, by the key the console's export buttons name.
pub const CHARTS: [&str; 8] = [
    "states",
    "programmes",
    "deadlines",
    "decisions",
    "payments",
    "spending",
    "investigators",
    "discovery",
];

impl Dashboard {
    /// Add 主动发现's figures (of the townships in scope) to their townships and the total; a
    /// township with warnings but no case is counted in the total only.
    pub fn with_discovery(mut self, rows: &[RuleFigures]) -> Dashboard {
        for r in rows {
            if let Some(f) = self.townships.iter_mut().find(|f| f.township == r.township) {
                f.discovery.add(r);
            }
            self.total.discovery.add(r);
        }
        self
    }

    /// The columns of a side-by-side table: each township, and the total when there are several.
    fn columns(&self) -> Vec<&Figures> {
        let mut cols: Vec<&Figures> = self.townships.iter().collect();
        if cols.len() != 1 {
            cols.push(&self.total);
        }
        cols
    }

    fn name(f: &Figures) -> String {
        if f.township.is_empty() {
            text::TOTAL.to_string()
        } else {
            f.township.clone()
        }
    }

    /// Rows of `labels` × columns, each cell `value(figures, index)`.
    fn side_by_side(
        &self,
        sheet: &str,
        first: &str,
        labels: &[String],
        value: impl Fn(&Figures, usize) -> Cell,
    ) -> Table {
        let cols = self.columns();
        let mut header = vec![first.to_string()];
        header.extend(cols.iter().map(|f| Self::name(f)));
        Table {
            sheet: sheet.to_string(),
            headers: vec![header],
            rows: labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let mut row = vec![Cell::Text(l.clone())];
                    row.extend(cols.iter().map(|f| value(f, i)));
                    row
                })
                .collect(),
        }
    }

    /// The table behind the chart `key` (one of [`CHARTS`]).
    pub fn table(&self, key: &str) -> Option<Table> {
        let count = |n: usize| Cell::Count(n as i64);
        let t = &self.total;
        Some(match key {
            "states" => {
                let codes: Vec<&str> = State::ALL
                    .iter()
                    .map(|s| s.code())
                    .filter(|c| t.by_state.contains_key(*c))
                    .chain(
                        t.by_state
                            .keys()
                            .map(String::as_str)
                            .filter(|c| State::from_code(c).is_none()),
                    )
                    .collect();
                let labels: Vec<String> =
                    codes.iter().map(|c| text::status(c).to_string()).collect();
                self.side_by_side(text::DASH_STATES, text::DASH_STATE, &labels, |f, i| {
                    count(f.by_state.get(codes[i]).copied().unwrap_or(0))
                })
            }
            "programmes" => {
                let labels: Vec<String> =
                    Programme::ALL.iter().map(|p| p.zh().to_string()).collect();
                self.side_by_side(
                    text::DASH_PROGRAMMES,
                    text::DASH_PROGRAMME,
                    &labels,
                    |f, i| {
                        count(
                            f.by_programme
                                .get(Programme::ALL[i].code())
                                .copied()
                                .unwrap_or(0),
                        )
                    },
                )
            }
            "deadlines" => {
                let labels = [
                    text::DASH_OVERDUE.to_string(),
                    text::DASH_DUE_SOON.to_string(),
                ];
                self.side_by_side(text::DASH_DEADLINES, text::DASH_ITEM, &labels, |f, i| {
                    count([f.overdue, f.due_soon][i])
                })
            }
            "decisions" => {
                let cols = self.columns();
                let mut top = vec![text::DASH_MONTH.to_string()];
                let mut sub = vec![text::DASH_MONTH.to_string()];
                for f in &cols {
                    top.extend([Self::name(f), Self::name(f)]);
                    sub.extend([
                        text::DASH_APPROVED.to_string(),
                        text::DASH_REFUSED.to_string(),
                    ]);
                }
                Table {
                    sheet: text::DASH_DECISIONS.to_string(),
                    headers: vec![top, sub],
                    rows: self
                        .months
                        .iter()
                        .enumerate()
                        .map(|(i, m)| {
                            let mut row = vec![Cell::Text(m.clone())];
                            for f in &cols {
                                row.extend([count(f.approvals[i]), count(f.refusals[i])]);
                            }
                            row
                        })
                        .collect(),
                }
            }
            "payments" => {
                let labels = [
                    text::DASH_HOUSEHOLDS.to_string(),
                    text::DASH_PEOPLE.to_string(),
                ];
                self.side_by_side(text::DASH_PAYMENTS, text::DASH_ITEM, &labels, |f, i| {
                    count([f.households_in_payment, f.people_in_payment][i])
                })
            }
            "spending" => self.side_by_side(
                text::DASH_SPENDING,
                text::DASH_MONTH_YUAN,
                &self.months,
                |f, i| Cell::Fen(f.spending_fen[i]),
            ),
            "investigators" => Table {
                sheet: text::DASH_INVESTIGATORS.to_string(),
                headers: vec![text::DASH_INVESTIGATOR_COLUMNS.map(String::from).to_vec()],
                rows: self
                    .townships
                    .iter()
                    .flat_map(|f| {
                        f.investigators.iter().map(|(name, n)| {
                            vec![
                                Cell::Text(f.township.clone()),
                                Cell::Text(name.clone()),
                                count(*n),
                            ]
                        })
                    })
                    .collect(),
            },
            "discovery" => {
                let rules: Vec<Rule> = Rule::ALL
                    .into_iter()
                    .filter(|r| t.discovery.by_rule.contains_key(r.code()))
                    .collect();
                let mut labels: Vec<String> = rules
                    .iter()
                    .map(|r| format!("{}{}", text::DASH_WARNINGS_OF, r.zh()))
                    .collect();
                labels.extend(text::DASH_DISCOVERY_OUTCOMES.map(String::from));
                self.side_by_side(text::DASH_DISCOVERY, text::DASH_ITEM, &labels, |f, i| {
                    let d = &f.discovery;
                    count(match rules.get(i) {
                        Some(r) => d.by_rule.get(r.code()).copied().unwrap_or(0),
                        None => [d.handled_in_limit, d.applications, d.helped][i - rules.len()],
                    })
                })
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{case, date, decided};
    use super::*;

    /// Two townships, counted apart and together; the month series cross a year end.
    #[test]
    fn figures_per_township_and_in_total() {
        let a = "树林召镇";
        let b = "王爱召镇";
        let mut overdue = case(a, "王爱召嘎查", Programme::Dibao, State::Investigating);
        overdue.row.overdue = true;
        overdue.row.remaining_working_days = Some(-2);
        overdue.row.team = vec!["王五".into(), "赵六".into()];
        let mut soon = case(b, "新民社区", Programme::Tekun, State::Publicity);
        soon.row.remaining_working_days = Some(DUE_WITHIN);
        soon.row.team = vec!["王五".into()];
        let mut later = case(b, "新民社区", Programme::Dibao, State::Accepted);
        later.row.remaining_working_days = Some(DUE_WITHIN + 1);
        // Active (final): its team carries no open load.
        let mut active = decided(
            case(a, "王爱召嘎查", Programme::Dibao, State::Active),
            60_000,
            "2026-12",
            "2026-12",
        );
        active.row.team = vec!["王五".into()];
        active.people = 4;
        let old = decided(
            case(b, "新民社区", Programme::Tekun, State::Active),
            90_000,
            "2025-06",
            "2025-05",
        );
        let mut refused = case(a, "王爱召嘎查", Programme::Dibao, State::Rejected);
        refused.entered = Some(date("2026-01-31"));
        let mut stopped = decided(
            case(b, "新民社区", Programme::Dibao, State::Stopped),
            40_000,
            "2026-01",
            "2025-12",
        );
        stopped.entered = Some(date("2026-12-01"));

        let cases = [overdue, soon, later, active, old, refused, stopped];
        let d = dashboard(&cases, date("2026-12-07"));
        assert_eq!(d.months.first().map(String::as_str), Some("2026-01"));
        assert_eq!(d.months.last().map(String::as_str), Some("2026-12"));
        assert_eq!(
            d.townships
                .iter()
                .map(|f| f.township.as_str())
                .collect::<Vec<_>>(),
            [a, b]
        );
        let (ta, tb, t) = (&d.townships[0], &d.townships[1], &d.total);
        assert_eq!((ta.cases, tb.cases, t.cases), (3, 4, 7));
        assert_eq!(t.by_state.get("active"), Some(&2));
        assert_eq!(tb.by_programme.get("tekun"), Some(&2));
        assert_eq!((t.overdue, t.due_soon), (1, 1));
        assert_eq!(
            ta.investigators.get("王五"),
            Some(&1),
            "the active case is not open load"
        );
        assert_eq!(t.investigators.get("王五"), Some(&2));
        assert_eq!(t.investigators.get("赵六"), Some(&1));
        // Approved in December 2026; the 2025 decisions fall outside the year shown.
        assert_eq!(t.approvals[11], 1);
        assert_eq!(t.approvals.iter().sum::<usize>(), 1);
        assert_eq!(ta.refusals[0], 1, "refused on 31 January counts in January");
        // This month: the active 低保 and the old 特困; the stop in December ended payment.
        assert_eq!((t.households_in_payment, t.people_in_payment), (2, 7));
        assert_eq!(tb.households_in_payment, 1);
        assert_eq!(t.spending_fen[11], 150_000);
        assert_eq!(
            t.spending_fen[10],
            90_000 + 40_000,
            "November: 特困 and the 低保 stopped in December"
        );
        assert_eq!(t.spending_fen[0], 90_000 + 40_000);
    }

    /// 渐退 counts households paid this month whose decision the rules made a phase-out; 边缘
    /// counts refusals the rules found 低保边缘; a case decided without rules counts in neither.
    #[test]
    fn phase_out_and_edge_come_from_the_assessment_kept_with_the_decision() {
        let a = "树林召镇";
        let assessed = |mut c: CaseFigure, edge: bool, phase_out: bool| {
            c.assessment = Some(crate::workflow::flow::Assessment {
                edge,
                phase_out,
                config_version: "2026-01".into(),
            });
            c
        };
        let paid = |state| {
            decided(
                case(a, "王爱召嘎查", Programme::Dibao, state),
                50_000,
                "2026-10",
                "2026-10",
            )
        };
        let cases = [
            assessed(paid(State::Active), false, true),
            assessed(paid(State::Active), false, false),
            paid(State::Active),
            // Stopped before this month: no longer paid, so not in 渐退 now.
            {
                let mut c = assessed(paid(State::Stopped), false, true);
                c.entered = Some(date("2026-11-15"));
                c
            },
            assessed(
                case(a, "王爱召嘎查", Programme::Dibao, State::Rejected),
                true,
                false,
            ),
            assessed(
                case(a, "王爱召嘎查", Programme::Dibao, State::Rejected),
                false,
                false,
            ),
            case(a, "王爱召嘎查", Programme::Dibao, State::Rejected),
        ];
        let d = dashboard(&cases, date("2026-12-07"));
        assert_eq!(d.total.households_in_payment, 3);
        assert_eq!((d.total.phase_out, d.total.edge), (1, 1));
    }

    #[test]
    fn every_chart_has_a_table_with_a_column_per_township_and_the_total() {
        let cases = [
            case(
                "树林召镇",
                "王爱召嘎查",
                Programme::Dibao,
                State::Investigating,
            ),
            case("王爱召镇", "新民社区", Programme::Tekun, State::Accepted),
        ];
        let d = dashboard(&cases, date("2026-12-07"));
        for key in CHARTS {
            let t = d.table(key).unwrap_or_else(|| panic!("{key}"));
            assert!(!t.sheet.is_empty());
            if key != "investigators" && key != "decisions" {
                assert_eq!(t.headers[0].len(), 4, "{key}: label, two townships, total");
            }
        }
        assert!(d.table("nothing").is_none());
        let states = d.table("states").unwrap();
        assert_eq!(states.rows.len(), 2);
        assert_eq!(states.rows[0][0], Cell::Text("已受理".into()));
        assert_eq!(
            states.rows[0][1..],
            [Cell::Count(0), Cell::Count(1), Cell::Count(1)]
        );
        let one = dashboard(&cases[..1], date("2026-12-07"));
        assert_eq!(
            one.table("states").unwrap().headers[0].len(),
            2,
            "one township: no total column"
        );
        assert!(super::super::xlsx(&CHARTS.map(|k| d.table(k).unwrap())).is_ok());
    }

    /// 主动发现's figures join their township's column and the total; one without cases only
    /// the total.
    #[test]
    fn discovery_by_township_and_in_total() {
        let cases = [
            case("树林召镇", "王爱召嘎查", Programme::Dibao, State::Active),
            case("王爱召镇", "新民社区", Programme::Tekun, State::Accepted),
        ];
        let row = |township: &str, rule: Rule, n: usize, helped: usize| RuleFigures {
            township: township.into(),
            rule,
            rule_zh: rule.zh(),
            warnings: n,
            handled_in_limit: n,
            applications: helped,
            helped,
        };
        let d = dashboard(&cases, date("2026-12-07")).with_discovery(&[
            row("树林召镇", Rule::MedicalCosts, 2, 1),
            row("王爱召镇", Rule::EarnerDied, 1, 0),
            row("达拉特旗外", Rule::MedicalCosts, 1, 0),
        ]);
        let t = d.table("discovery").unwrap();
        let labels: Vec<&Cell> = t.rows.iter().map(|r| &r[0]).collect();
        assert_eq!(
            labels,
            [
                &Cell::Text("预警：大额医疗自付".into()),
                &Cell::Text("预警：主要劳动力死亡".into()),
                &Cell::Text("按时处置".into()),
                &Cell::Text("代为申请".into()),
                &Cell::Text("获得救助".into()),
            ]
        );
        assert_eq!(
            t.rows[0][1..],
            [Cell::Count(2), Cell::Count(0), Cell::Count(3)]
        );
        assert_eq!(
            t.rows[4][1..],
            [Cell::Count(1), Cell::Count(0), Cell::Count(1)]
        );
        assert_eq!(d.rule_labels["check_mismatch"], "核对发现不符");
    }
}
