//! The monthly payment list (发放花名册): every household paid for a month, its people, amount
//! and the account it is paid into, as a table, Excel and PDF.

use super::{CaseFigure, Cell, Month, Table};
use crate::review::access::mask_id_number;
use crate::review::text;
use crate::workflow::notices::{self, zh_date};
use crate::workflow::{Result, WorkflowError};
use jiuzhu_pdf::{Block, Document, Text};
use jiuzhu_shared::schema::CaseDoc;
use serde::Serialize;

/// One household on the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payment {
    pub case_id: String,
    pub case_no: String,
    pub township: String,
    pub village: String,
    /// The applicant, in whose name the household is paid.
    pub household: String,
    pub people: usize,
    pub programme: String,
    /// 低保, 特困, 临时救助: the printed list's column.
    pub programme_short: String,
    pub urban: bool,
    pub amount_fen: i64,
    pub bank: String,
    pub account_holder: String,
    pub account_no: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentList {
    pub month: String,
    /// The township, or empty for every township the user sees.
    pub township: String,
    pub rows: Vec<Payment>,
    pub households: usize,
    pub people: usize,
    pub total_fen: i64,
}

/// The account the household is paid into: the latest visit that recorded one (a later visit
/// may correct it).
fn account(doc: Option<&CaseDoc>) -> (String, String, String) {
    doc.and_then(|d| {
        d.visits
            .iter()
            .rev()
            .map(|v| &v.household)
            .find(|h| {
                h.bank_account_no
                    .as_deref()
                    .is_some_and(|n| !n.trim().is_empty())
            })
            .map(|h| {
                (
                    h.bank_name.clone().unwrap_or_default(),
                    h.bank_account_holder.clone().unwrap_or_default(),
                    h.bank_account_no.clone().unwrap_or_default(),
                )
            })
    })
    .unwrap_or_default()
}

/// The households paid for `month`, by township, village and case number. `document` reads a
/// case's document (for its account); `mask` hides account numbers from those who see ID numbers
/// masked.
pub fn list(
    cases: &[CaseFigure],
    (month, township): (Month, Option<&str>),
    document: &mut dyn FnMut(&CaseFigure) -> Result<Option<CaseDoc>>,
    mask: bool,
) -> Result<PaymentList> {
    let mut rows = Vec::new();
    for c in cases {
        let Some(amount_fen) = c.paid_in(month) else {
            continue;
        };
        let (bank, account_holder, account_no) = account(document(c)?.as_ref());
        let r = &c.row;
        rows.push(Payment {
            case_id: r.case_id.to_string(),
            case_no: r.case_no.clone(),
            township: r.township.clone(),
            village: r.village.clone(),
            household: r.applicant.clone(),
            people: c.people,
            programme: c.programme.map(|p| p.zh().to_string()).unwrap_or_default(),
            programme_short: c
                .programme
                .map(|p| text::programme_short(p).to_string())
                .unwrap_or_default(),
            urban: c.urban(),
            amount_fen,
            bank,
            account_holder,
            account_no: if mask && !account_no.is_empty() {
                mask_id_number(&account_no)
            } else {
                account_no
            },
        });
    }
    rows.sort_by(|a, b| {
        (&a.township, &a.village, &a.case_no).cmp(&(&b.township, &b.village, &b.case_no))
    });
    Ok(PaymentList {
        month: month.to_string(),
        township: township.unwrap_or_default().to_string(),
        households: rows.len(),
        people: rows.iter().map(|r| r.people).sum(),
        total_fen: rows.iter().map(|r| r.amount_fen).sum(),
        rows,
    })
}

impl PaymentList {
    /// `树林召镇 2026年11月`: the place (the banner's name when every township is listed) and the
    /// month, under the title.
    pub fn period(&self) -> String {
        let month: Month = self.month.parse().expect("the list's own month");
        let place = if self.township.is_empty() {
            text::BANNER
        } else {
            &self.township
        };
        format!("{place} {}", month.zh())
    }

    fn cells(&self) -> Vec<Vec<Cell>> {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                vec![
                    Cell::Count(i as i64 + 1),
                    Cell::Text(r.township.clone()),
                    Cell::Text(r.village.clone()),
                    Cell::Text(r.household.clone()),
                    Cell::Count(r.people as i64),
                    Cell::Text(r.programme.clone()),
                    Cell::Fen(r.amount_fen),
                    Cell::Text(r.bank.clone()),
                    Cell::Text(r.account_no.clone()),
                ]
            })
            .collect()
    }

    /// The printed tables, one per township (the rows are in township order), each under its
    /// township's subtotal.
    fn printed(&self) -> Vec<Block> {
        let mut blocks = Vec::new();
        let mut rest: &[Payment] = &self.rows;
        while let Some(first) = rest.first() {
            let n = rest
                .iter()
                .take_while(|r| r.township == first.township)
                .count();
            let (these, after) = rest.split_at(n);
            blocks.push(Block::Field {
                label: Text::zh(first.township.clone()),
                value: Self::count(these),
            });
            blocks.push(Block::Table {
                headers: text::PAYMENT_PDF_COLUMNS
                    .iter()
                    .map(|h| Text::zh(*h))
                    .collect(),
                rows: these
                    .iter()
                    .map(|r| {
                        vec![
                            r.village.clone(),
                            r.household.clone(),
                            r.people.to_string(),
                            r.programme_short.clone(),
                            jiuzhu_shared::workflow::publicity::yuan(r.amount_fen),
                            r.account_no.clone(),
                        ]
                    })
                    .collect(),
            });
            rest = after;
        }
        blocks
    }

    /// `3户，8人，3560.00元`.
    fn count(rows: &[Payment]) -> String {
        format!(
            "{}户，{}人，{}元",
            rows.len(),
            rows.iter().map(|r| r.people).sum::<usize>(),
            jiuzhu_shared::workflow::publicity::yuan(rows.iter().map(|r| r.amount_fen).sum())
        )
    }

    /// The list as one sheet, with a total row.
    pub fn table(&self) -> Table {
        let mut rows = self.cells();
        let mut total = vec![Cell::Text(String::new()); text::PAYMENT_COLUMNS.len()];
        total[0] = Cell::Text(text::TOTAL.into());
        total[3] = Cell::Text(format!("{}户", self.households));
        total[4] = Cell::Count(self.people as i64);
        total[6] = Cell::Fen(self.total_fen);
        rows.push(total);
        Table {
            sheet: text::PAYMENT_SHEET.to_string(),
            headers: vec![text::PAYMENT_COLUMNS.map(String::from).to_vec()],
            rows,
        }
    }

    /// The list as a printed 花名册: title, the table (its header on every page), the totals, and
    /// the lines the 制表 and 审核 sign.
    pub fn pdf(&self, today: &str) -> Result<Vec<u8>> {
        let mut blocks = self.printed();
        blocks.extend([
            Block::Field {
                label: Text::zh(text::TOTAL),
                value: Self::count(&self.rows),
            },
            Block::Spacer,
            Block::Field {
                label: Text::zh(text::PAYMENT_SIGNER),
                value: text::PAYMENT_SIGNERS_REST.to_string(),
            },
            Block::Signature {
                label: Text::zh(if self.township.is_empty() {
                    text::BANNER_BUREAU.to_string()
                } else {
                    format!("{}{}", self.township, text::TOWNSHIP_GOVERNMENT)
                }),
                name: String::new(),
                date: zh_date(today),
            },
        ]);
        let doc = Document {
            title: Text::zh(text::PAYMENT_TITLE),
            subtitle: Some(Text::zh(format!(
                "{}　{}",
                self.period(),
                text::PAYMENT_UNIT
            ))),
            number: None,
            blocks,
            footer: Some(Text::zh(text::PAYMENT_FOOTER)),
        };
        notices::render(&doc).map_err(|e| WorkflowError::Invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{case, decided, month};
    use super::*;
    use jiuzhu_shared::workflow::{Programme, State};

    fn doc_with_account(no: &str) -> CaseDoc {
        let mut d = CaseDoc::default();
        let mut v = jiuzhu_shared::schema::Visit::default();
        v.household.bank_name = Some("内蒙古农村信用社".into());
        v.household.bank_account_no = Some(no.into());
        d.visits.push(v);
        // A later visit without an account does not hide the earlier one.
        d.visits.push(jiuzhu_shared::schema::Visit::default());
        d
    }

    #[test]
    fn the_list_holds_the_households_paid_that_month_with_their_accounts() {
        let mut paid = decided(
            case("树林召镇", "王爱召嘎查", Programme::Dibao, State::Active),
            52_050,
            "2026-10",
            "2026-09",
        );
        paid.row.applicant = "巴特尔".into();
        let later = decided(
            case("树林召镇", "新民社区", Programme::Dibao, State::Active),
            30_000,
            "2026-12",
            "2026-11",
        );
        let pending = case(
            "树林召镇",
            "王爱召嘎查",
            Programme::Dibao,
            State::CountyReview,
        );
        let cases = [paid, later, pending];
        let mut reads = 0;
        let mut document = |_: &CaseFigure| {
            reads += 1;
            Ok(Some(doc_with_account("6228480019800101999")))
        };
        let l = list(
            &cases,
            (month("2026-11"), Some("树林召镇")),
            &mut document,
            false,
        )
        .unwrap();
        assert_eq!(reads, 1, "only the households paid are read");
        assert_eq!((l.households, l.people, l.total_fen), (1, 3, 52_050));
        let r = &l.rows[0];
        assert_eq!(
            (r.household.as_str(), r.account_no.as_str()),
            ("巴特尔", "6228480019800101999")
        );
        assert_eq!(r.bank, "内蒙古农村信用社");
        assert_eq!(l.period(), "树林召镇 2026年11月");
        let t = l.table();
        assert_eq!(t.rows.len(), 2, "the household and the total");
        assert_eq!(t.rows[1][6], Cell::Fen(52_050));

        let masked = list(
            &cases,
            (month("2026-12"), None),
            &mut |_| Ok(Some(doc_with_account("6228480019800101999"))),
            true,
        )
        .unwrap();
        assert_eq!(masked.households, 2);
        assert!(
            masked
                .rows
                .iter()
                .all(|r| r.account_no == "6228***********1999"),
            "{masked:?}"
        );
        assert!(masked.period().starts_with(text::BANNER));
        assert_eq!(PaymentList::count(&masked.rows), "2户，6人，820.50元");
    }
}
