//! 信息核对 results from the 核对机构 (S1 Art. 17–18): recorded per case in the console, or
//! imported from the file the 核对机构 delivers — one row per case, each through the engine's
//! `record_check_result` in its own transaction, so a bad row is reported and the rest imported,
//! and a row already recorded is left as it is (importing a file twice changes nothing).
//!
//! The file: CSV, UTF-8 (with or without BOM), a header row, then
//! `案件编号,核对结果,核对项目,说明,核对日期` — 核对结果 符合 or 不符合; 核对项目 separated by
//! 、 or ；; 核对日期 YYYY-MM-DD.

use super::config::WorkflowConfig;
use super::csv_rows;
use super::flow::Flow;
use super::flows::all_flows;
use super::service::{ActionInput, CheckInput, act};
use super::{Result, Who, WorkflowError};
use crate::audit::AuditEvent;
use crate::store::Store;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::Action;
use serde::Serialize;
use serde_json::json;

/// The columns of the file, in order.
pub const COLUMNS: [&str; 5] = ["案件编号", "核对结果", "核对项目", "说明", "核对日期"];

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 5000;

/// The template the console offers for download.
pub fn template() -> String {
    format!(
        "\u{feff}{}\r\nSQ-20261201-0001,不符合,车辆、存款,名下登记小型轿车一辆；存款超过规定标准,2026-12-01\r\n",
        COLUMNS.join(",")
    )
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowOutcome {
    /// The row's line in the file (the header is line 1).
    pub row: usize,
    pub case_no: String,
    /// recorded | unchanged | error
    pub status: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    pub recorded: usize,
    pub unchanged: usize,
    pub errors: usize,
    pub rows: Vec<RowOutcome>,
}

/// One row as read, before it is matched to a case.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRow {
    pub case_no: String,
    pub check: CheckInput,
}

/// Read a row's fields; `Err` says in Chinese what is wrong with it.
fn parse_row(fields: &csv::StringRecord) -> std::result::Result<ParsedRow, String> {
    let get = |i: usize| fields.get(i).unwrap_or_default().trim();
    let case_no = get(0).to_string();
    if case_no.is_empty() {
        return Err("缺少案件编号".into());
    }
    Ok(ParsedRow {
        case_no,
        check: check_fields(get(1), get(2), get(3), get(4))?,
    })
}

/// 核对结果, 核对项目, 说明 and 核对日期 as the 核对机构 writes them (this file's columns 2–5, and
/// the 主动发现 file of results by person): 符合 or 不符合, items separated by 、 or ；, a date
/// YYYY-MM-DD; a mismatch names its items or explains itself.
pub fn check_fields(
    result: &str,
    items: &str,
    note: &str,
    date: &str,
) -> std::result::Result<CheckInput, String> {
    let result = match result.trim() {
        "符合" | "eligible" => "eligible",
        "不符合" | "ineligible" => "ineligible",
        other => return Err(format!("核对结果应为“符合”或“不符合”，而不是“{other}”")),
    };
    let items: Vec<String> = items
        .split(['、', '；', ';'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let checked_on: Date = date
        .trim()
        .replace('/', "-")
        .parse()
        .map_err(|_| format!("核对日期“{}”格式不对，应为 YYYY-MM-DD", date.trim()))?;
    let note = note.trim().to_string();
    if result == "ineligible" && items.is_empty() && note.is_empty() {
        return Err("核对不符时须写明核对项目或说明".into());
    }
    Ok(CheckInput {
        result: result.into(),
        items,
        note,
        checked_on,
    })
}

/// Read the whole file: the rows with their line numbers, each parsed or with its error. A file
/// that is not CSV with the expected header is refused whole.
pub fn parse(text: &str) -> Result<csv_rows::Rows<ParsedRow>> {
    let layout = csv_rows::Layout {
        columns: &COLUMNS,
        max_rows: MAX_ROWS,
        header_hint: "（请使用下载的模板）",
        empty: "文件中没有核对结果",
    };
    Ok(csv_rows::read(text, &layout)?
        .into_iter()
        .map(|(line, r)| (line, r.and_then(|r| parse_row(&r))))
        .collect())
}

/// Whether `check` is already the case's latest recorded result.
fn already_recorded(flow: &Flow, check: &CheckInput) -> bool {
    flow.facts.check_results.last().is_some_and(|r| {
        r.result == check.result
            && r.items == check.items
            && r.note == check.note
            && r.checked_on == check.checked_on
    })
}

/// Import a file of results for the cases `in_scope` lets the importer reach.
pub fn import(
    store: &dyn Store,
    config: &WorkflowConfig,
    who: &Who,
    in_scope: &dyn Fn(&Flow) -> bool,
    text: &str,
    now: i64,
) -> Result<ImportReport> {
    let rows = parse(text)?;
    let flows = all_flows(store)?;
    let mut report = ImportReport::default();
    for (line, parsed) in rows {
        let outcome = |case_no: &str, status, message: String| RowOutcome {
            row: line,
            case_no: case_no.to_string(),
            status,
            message,
        };
        let row = match parsed {
            Ok(r) => r,
            Err(message) => {
                report.rows.push(outcome("", "error", message));
                continue;
            }
        };
        let Some(flow) = flows
            .iter()
            .find(|f| f.case_no == row.case_no && in_scope(f))
        else {
            report.rows.push(outcome(
                &row.case_no,
                "error",
                "没有这个案件编号，或该案件不属于本乡镇".into(),
            ));
            continue;
        };
        if already_recorded(flow, &row.check) {
            report.rows.push(outcome(
                &row.case_no,
                "unchanged",
                "已登记过相同的核对结果".into(),
            ));
            continue;
        }
        let input = ActionInput {
            check: Some(row.check.clone()),
            ..ActionInput::new(Action::RecordCheckResult)
        };
        match act(store, config, flow.id()?, who, &input, now) {
            Ok(_) => report
                .rows
                .push(outcome(&row.case_no, "recorded", "已登记".into())),
            Err(WorkflowError::Refused(r)) => {
                report.rows.push(outcome(&row.case_no, "error", r.zh))
            }
            Err(WorkflowError::Invalid(m)) => report.rows.push(outcome(&row.case_no, "error", m)),
            Err(e) => return Err(e),
        }
    }
    for r in &report.rows {
        match r.status {
            "recorded" => report.recorded += 1,
            "unchanged" => report.unchanged += 1,
            _ => report.errors += 1,
        }
    }
    store.audit(&AuditEvent::new(
        now,
        who.audit.clone(),
        "import_check_results",
        None,
        json!({ "recorded": report.recorded, "unchanged": report.unchanged, "errors": report.errors }),
    ))?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_parse_with_bom_quotes_and_errors_per_row() {
        let text = "\u{feff}案件编号,核对结果,核对项目,说明,核对日期\r\n\
            SQ-1,不符合,车辆、存款,\"名下轿车一辆，存款5万\",2026-12-01\r\n\
            SQ-2,符合,,,2026/12/02\r\n\
            SQ-3,也许,,,2026-12-02\r\n\
            SQ-4,不符合,,,2026-12-02\r\n\
            SQ-5,符合,,,昨天\r\n";
        let rows = parse(text).unwrap();
        assert_eq!(rows.len(), 5);
        let first = rows[0].1.as_ref().unwrap();
        assert_eq!(first.case_no, "SQ-1");
        assert_eq!(first.check.items, vec!["车辆", "存款"]);
        assert_eq!(first.check.note, "名下轿车一辆，存款5万");
        assert_eq!(
            rows[1].1.as_ref().unwrap().check.checked_on.to_string(),
            "2026-12-02"
        );
        assert_eq!(rows[2].0, 4);
        assert!(rows[2].1.as_ref().unwrap_err().contains("也许"));
        assert!(rows[3].1.as_ref().unwrap_err().contains("核对项目"));
        assert!(rows[4].1.as_ref().unwrap_err().contains("昨天"));
    }

    #[test]
    fn a_file_without_the_header_or_rows_is_refused_whole() {
        assert!(parse("case,result\nSQ-1,符合\n").is_err());
        assert!(parse(&COLUMNS.join(",")).is_err());
        assert_eq!(parse(&template()).unwrap().len(), 1);
    }
}
