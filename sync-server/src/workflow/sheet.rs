//! An uploaded table as text. CSV (UTF-8, with or without BOM) is taken as it is; a spreadsheet
//! workbook (.xlsx, the older .xls, .xlsb or .ods — what the departments' systems export) has its
//! first worksheet written out as the same CSV, one sheet row per line, so one reader
//! (`csv_rows`) checks both and the line it names in an error is the row number the user sees
//! in the spreadsheet.

use super::{Result, WorkflowError};
use calamine::{Data, Reader, open_workbook_auto_from_rs};
use std::borrow::Cow;

/// ZIP (.xlsx, .xlsb, .ods) and OLE compound files (.xls) start so.
const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Whether `bytes` look like a workbook rather than text.
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(ZIP) || bytes.starts_with(OLE)
}

/// The table in `bytes` as CSV text, or why it cannot be read (in Chinese).
pub fn text(bytes: &[u8]) -> Result<Cow<'_, str>> {
    if is_workbook(bytes) {
        return workbook_csv(bytes).map(Cow::Owned);
    }
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|_| {
        WorkflowError::Invalid(
            "文件不是UTF-8编码的CSV，也不是Excel工作簿：请在表格软件中另存为“CSV UTF-8”或“Excel 工作簿（.xlsx）”后再导入"
                .into(),
        )
    })
}

fn workbook_csv(bytes: &[u8]) -> Result<String> {
    let unreadable = |e: &dyn std::fmt::Display| {
        WorkflowError::Invalid(format!(
            "无法读取这个表格文件（{e}）：请确认它是完整的Excel工作簿，或另存为“CSV UTF-8”后再导入"
        ))
    };
    let mut book =
        open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| WorkflowError::Invalid("工作簿中没有工作表".into()))?
        .map_err(|e| unreadable(&e))?;
    let mut out = String::new();
    // Rows above the used range are blank lines, so line numbers stay the sheet's row numbers.
    let (first_row, _) = range.start().unwrap_or((0, 0));
    for _ in 0..first_row {
        out.push('\n');
    }
    for row in range.rows() {
        let cells: Vec<String> = row.iter().map(cell).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            let fields: Vec<Cow<str>> = cells.iter().map(|c| quoted(c)).collect();
            out.push_str(&fields.join(","));
        }
        out.push('\n');
    }
    Ok(out)
}

/// A cell as the CSV export of a spreadsheet program writes it: dates as YYYY-MM-DD, whole
/// numbers without a decimal point, line breaks inside a cell as spaces (one row, one line).
fn cell(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.replace(['\r', '\n'], " "),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(t) if t.is_datetime() => {
            let (y, m, d, ..) = t.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTime(t) => t.as_f64().to_string(),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

fn quoted(field: &str) -> Cow<'_, str> {
    if field.contains([',', '"']) {
        Cow::Owned(format!("\"{}\"", field.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    /// A workbook as a department would export it: a header, a text ID number, a real date, a
    /// decimal and a whole number, a comma and a quote in a name, an empty row, a second sheet.
    fn workbook() -> Vec<u8> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        for (c, h) in ["身份证号", "姓名", "结算日期", "个人自付", "次数"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_string(1, 0, "150621198001010010").unwrap();
        sheet.write_string(1, 1, "张\"三\",甲").unwrap();
        sheet
            .write_datetime_with_format(1, 2, ExcelDateTime::from_ymd(2026, 10, 1).unwrap(), &date)
            .unwrap();
        sheet.write_number(1, 3, 12000.5).unwrap();
        sheet.write_number(1, 4, 3.0).unwrap();
        // Row 3 left empty; row 4 has one cell with a line break.
        sheet.write_string(3, 1, "李\n四").unwrap();
        book.add_worksheet().write_string(0, 0, "另一张表").unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn the_first_sheet_becomes_csv_with_the_sheets_row_numbers() {
        let bytes = workbook();
        assert!(is_workbook(&bytes));
        let text = text(&bytes).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "身份证号,姓名,结算日期,个人自付,次数");
        assert_eq!(
            lines[1],
            "150621198001010010,\"张\"\"三\"\",甲\",2026-10-01,12000.5,3"
        );
        assert_eq!(lines[2], "");
        assert_eq!(lines[3], ",李 四,,,");
        assert!(!text.contains("另一张表"));
    }

    #[test]
    fn text_passes_and_other_bytes_are_refused_in_chinese() {
        assert_eq!(text("a,b\n1,2\n".as_bytes()).unwrap(), "a,b\n1,2\n");
        let gbk = [0xC9u8, 0xED, 0xB7, 0xDD, b',', b'\n'];
        assert!(text(&gbk).unwrap_err().to_string().contains("CSV UTF-8"));
        let mut broken = workbook();
        broken.truncate(200);
        assert!(text(&broken).unwrap_err().to_string().contains("无法读取"));
    }
}
