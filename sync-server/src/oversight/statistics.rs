//! The 民政统计 monthly figures: households, people and money of 低保, 特困 and 临时救助 for a
//! month, in total and split 城市 / 农村牧区, laid out as the monthly report lays them out (a row
//! per programme, 合计 then 城市 and 农村 columns of 户数 / 人数 / 金额).

use super::{CaseFigure, Cell, Month, Table};
use crate::review::text;
use jiuzhu_shared::workflow::Programme;
use serde::Serialize;

/// Households, people and money of one cell group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub households: usize,
    pub people: usize,
    pub fen: i64,
}

impl Count {
    fn add(&mut self, people: usize, fen: i64) {
        self.households += 1;
        self.people += people;
        self.fen += fen;
    }
}

/// One row: a programme (or the total), all / urban / rural.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Line {
    /// `dibao`, `tekun`, `temporary`, or `total`.
    pub key: String,
    pub label: String,
    pub total: Count,
    pub urban: Count,
    pub rural: Count,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statistics {
    pub month: String,
    pub township: String,
    pub lines: Vec<Line>,
}

/// The report's rows: 临时救助's two kinds are one row, as the report counts them.
fn row_of(p: Programme) -> usize {
    match p {
        Programme::Dibao => 0,
        Programme::Tekun => 1,
        Programme::TemporaryUrgent | Programme::TemporaryExpense => 2,
    }
}

/// The month's figures of `cases` (those paid for `month`, `CaseFigure::paid_in`).
pub fn monthly(cases: &[CaseFigure], month: Month, township: Option<&str>) -> Statistics {
    let mut lines: Vec<Line> = [
        ("dibao", text::STAT_DIBAO),
        ("tekun", text::STAT_TEKUN),
        ("temporary", text::STAT_TEMPORARY),
        ("total", text::TOTAL),
    ]
    .into_iter()
    .map(|(key, label)| Line {
        key: key.into(),
        label: label.into(),
        ..Line::default()
    })
    .collect();
    for c in cases {
        let (Some(fen), Some(p)) = (c.paid_in(month), c.programme) else {
            continue;
        };
        for i in [row_of(p), 3] {
            let l = &mut lines[i];
            l.total.add(c.people, fen);
            if c.urban() {
                l.urban.add(c.people, fen);
            } else {
                l.rural.add(c.people, fen);
            }
        }
    }
    Statistics {
        month: month.to_string(),
        township: township.unwrap_or_default().to_string(),
        lines,
    }
}

impl Statistics {
    /// The report's table: two header rows (合计 / 城市 / 农村牧区 over 户数 / 人数 / 金额).
    pub fn table(&self) -> Table {
        let groups = [text::TOTAL, text::STAT_URBAN, text::STAT_RURAL];
        let mut top = vec![text::STAT_ITEM.to_string()];
        let mut sub = vec![text::STAT_ITEM.to_string()];
        for g in groups {
            top.extend([g; 3].map(String::from));
            sub.extend(text::STAT_COLUMNS.map(String::from));
        }
        Table {
            sheet: text::STAT_SHEET.to_string(),
            headers: vec![top, sub],
            rows: self
                .lines
                .iter()
                .map(|l| {
                    let mut row = vec![Cell::Text(l.label.clone())];
                    for c in [l.total, l.urban, l.rural] {
                        row.extend([
                            Cell::Count(c.households as i64),
                            Cell::Count(c.people as i64),
                            Cell::Fen(c.fen),
                        ]);
                    }
                    row
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{case, decided, month};
    use super::*;
    use jiuzhu_shared::workflow::State;

    #[test]
    fn rows_per_programme_split_urban_and_rural() {
        let rural = decided(
            case("树林召镇", "王爱召嘎查", Programme::Dibao, State::Active),
            50_000,
            "2026-01",
            "2025-12",
        );
        let mut urban = decided(
            case("王爱召镇", "新民社区", Programme::Dibao, State::Published),
            40_000,
            "2026-11",
            "2026-10",
        );
        urban.people = 2;
        let tekun = decided(
            case("王爱召镇", "新民社区", Programme::Tekun, State::Active),
            90_000,
            "2026-01",
            "2025-12",
        );
        let urgent = decided(
            case(
                "树林召镇",
                "王爱召嘎查",
                Programme::TemporaryUrgent,
                State::Active,
            ),
            100_000,
            "2026-11",
            "2026-11",
        );
        let expense = decided(
            case(
                "树林召镇",
                "王爱召嘎查",
                Programme::TemporaryExpense,
                State::Active,
            ),
            300_000,
            "2026-10",
            "2026-10",
        );
        let s = monthly(
            &[rural, urban, tekun, urgent, expense],
            month("2026-11"),
            None,
        );
        let l = |k: &str| s.lines.iter().find(|l| l.key == k).unwrap().clone();
        assert_eq!(
            l("dibao").total,
            Count {
                households: 2,
                people: 5,
                fen: 90_000
            }
        );
        assert_eq!(
            l("dibao").urban,
            Count {
                households: 1,
                people: 2,
                fen: 40_000
            }
        );
        assert_eq!(
            l("dibao").rural,
            Count {
                households: 1,
                people: 3,
                fen: 50_000
            }
        );
        assert_eq!(l("tekun").urban.fen, 90_000);
        assert_eq!(
            l("temporary").total,
            Count {
                households: 1,
                people: 3,
                fen: 100_000
            },
            "October's aid is not November's"
        );
        assert_eq!(
            l("total").total,
            Count {
                households: 4,
                people: 11,
                fen: 280_000
            }
        );
        let t = s.table();
        assert_eq!(t.headers[0].len(), 10);
        assert_eq!(t.rows.len(), 4);
        assert_eq!(t.rows[3][3], Cell::Fen(280_000));
    }
}
