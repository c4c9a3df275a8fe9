//! The CSV files a township or the bureau imports (核对 results, other departments' files): the
//! header checked whole, then each row with its line number (the header is line 1), so that a bad
//! row is reported and the others go on.

use super::{Result, WorkflowError};

/// The rows of a file, each with its line: read, or why not in Chinese.
pub type Rows<T> = Vec<(usize, std::result::Result<T, String>)>;

/// What a file must look like.
pub struct Layout<'a> {
    pub columns: &'a [&'a str],
    pub max_rows: usize,
    /// Added to the wrong-header message (e.g. where the template is).
    pub header_hint: &'a str,
    /// The message for a file without a data row.
    pub empty: &'a str,
}

/// Read `text` (a leading BOM ignored): refused whole when it is not CSV, its header is not
/// `layout.columns`, it has no row or too many; else every row, read or with its error.
pub fn read(text: &str, layout: &Layout) -> Result<Rows<csv::StringRecord>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| WorkflowError::Invalid(format!("文件无法读取：{e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header != layout.columns {
        return Err(WorkflowError::Invalid(format!(
            "文件第一行应为列名：{}{}",
            layout.columns.join(","),
            layout.header_hint
        )));
    }
    let mut rows = Vec::new();
    // The record's own line, counted from the line breaks before it: blank lines the reader
    // skips still count, so the number is the one the user sees in an editor or (for a
    // workbook) in the spreadsheet.
    let (mut line, mut counted) = (1, 0);
    for record in reader.records() {
        if rows.len() >= layout.max_rows {
            return Err(WorkflowError::Invalid(format!(
                "一个文件最多{}行，请分批导入",
                layout.max_rows
            )));
        }
        // A record's position is where the reader stood after the one before: past its
        // terminator, before any blank lines; the record itself starts after those.
        let bytes = text.as_bytes();
        let start = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map(|p| p.byte() as usize)
            .filter(|b| *b >= counted && *b <= bytes.len())
            .map(|b| {
                b + bytes[b..]
                    .iter()
                    .take_while(|c| matches!(c, b'\r' | b'\n'))
                    .count()
            });
        line = match start {
            Some(b) => {
                let breaks = bytes[counted..b].iter().filter(|c| **c == b'\n');
                counted = b;
                line + breaks.count()
            }
            None => line + 1,
        };
        rows.push((line, record.map_err(|e| format!("这一行无法读取：{e}"))));
    }
    if rows.is_empty() {
        return Err(WorkflowError::Invalid(layout.empty.into()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: Layout = Layout {
        columns: &["a", "b"],
        max_rows: 2,
        header_hint: "（见模板）",
        empty: "没有数据",
    };

    #[test]
    fn header_rows_and_limits() {
        let rows = read("\u{feff}a, b\n1,2\n\"x,3\n", &LAYOUT).unwrap();
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1.as_ref().unwrap().get(1), Some("2"));
        let e = |t: &str| read(t, &LAYOUT).unwrap_err().to_string();
        assert!(e("x,y\n1,2\n").contains("a,b（见模板）"));
        assert!(e("a,b\n").contains("没有数据"));
        assert!(e("a,b\n1,2\n3,4\n5,6\n").contains("最多2行"));
        // A blank line still counts: the second row is on line 4.
        let rows = read("a,b\n1,2\n\n3,4\n", &LAYOUT).unwrap();
        assert_eq!((rows[0].0, rows[1].0), (2, 4));
    }
}
