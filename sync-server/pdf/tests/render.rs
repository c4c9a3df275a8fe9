//! Renders real notices with the machine's CJK font and reads them back with a PDF parser
//! (lopdf): page count, the Chinese text layer (via the embedded ToUnicode maps), size.
//!
//! These tests need a CJK font (Debian: fonts-noto-cjk); they fail, rather than skip, without
//! one, since every machine that generates notices must have it.

use std::time::Instant;

use jiuzhu_pdf::{
    Block, Document, FontSet, PdfError, Text, render, render_with_fonts, system_fonts,
};

/// A one-page notice must stay small enough to store per case and send to a tablet.
const ONE_PAGE_LIMIT: usize = 300 * 1024;

/// The text of each page, whitespace removed (extraction spaces glyphs its own way).
fn pages_text(pdf: &[u8]) -> Vec<String> {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF header");
    let tail = String::from_utf8_lossy(&pdf[pdf.len().saturating_sub(32)..]).into_owned();
    assert!(tail.contains("%%EOF"), "no %%EOF trailer");
    let doc = lopdf::Document::load_mem(pdf).expect("lopdf parses the PDF");
    let pages = doc.get_pages();
    pages
        .keys()
        .map(|&n| {
            doc.extract_text(&[n])
                .expect("text extracts")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        })
        .collect()
}

fn notice(title: Text) -> Document {
    Document {
        title,
        subtitle: None,
        number: Some("树民补告〔2026〕12号".into()),
        blocks: vec![
            Block::Field {
                label: Text::zh("张三"),
                value: String::new(),
            },
            Block::Paragraph(Text::zh(
                "你（身份证号码 152726198805120011）于2026年5月6日向本机关提交的最低生活保障申请，\
                 经审查，申请材料不齐全。根据《社会救助暂行办法》的规定，请你自收到本告知书之日起\
                 15个工作日内补正下列材料：",
            )),
            Block::Field {
                label: Text::zh("申请类别"),
                value: "最低生活保障（农村）".into(),
            },
            Block::Field {
                label: Text::zh("需补正材料"),
                value: "1. 家庭成员户口簿复印件；\n2. 2025年10月至2026年3月的收入证明。".into(),
            },
            Block::Spacer,
            Block::Paragraph(Text::zh(
                "逾期未补正的，视为放弃本次申请。如有疑问，请与树林召镇社会事务办公室联系，\
                 电话 0477-5123456。",
            )),
            Block::Signature {
                label: Text::zh("树林召镇人民政府"),
                name: "经办人：张海燕".into(),
                date: "2026年5月12日".into(),
            },
        ],
        footer: Some(Text::zh("本告知书一式两份，一份送达申请人，一份存档。")),
    }
}

fn roll(rows: usize) -> Document {
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    let given = ["建国", "桂兰", "海燕", "秀英", "志强", "玉梅"];
    Document {
        title: Text::zh("最低生活保障审核确认结果公示"),
        subtitle: Some(Text::zh("（2026年第2批）")),
        number: Some("树民公〔2026〕3号".into()),
        blocks: vec![
            Block::Paragraph(Text::zh(
                "经入户调查、民主评议和审核，拟确认以下家庭为最低生活保障对象，现予公示。",
            )),
            Block::Table {
                headers: ["序号", "姓名", "家庭人口", "保障类别", "金额（元）"]
                    .into_iter()
                    .map(Text::zh)
                    .collect(),
                rows: (0..rows)
                    .map(|i| {
                        vec![
                            (i + 1).to_string(),
                            format!("{}{}", surnames[i % 10], given[i % 6]),
                            ((i % 5) + 1).to_string(),
                            ["城市低保", "农村低保", "特困供养"][i % 3].to_string(),
                            format!("{}.00", 480 + (i * 37) % 900),
                        ]
                    })
                    .collect(),
            },
            Block::Signature {
                label: Text::zh("树林召镇人民政府"),
                name: String::new(),
                date: "2026年5月12日".into(),
            },
        ],
        footer: Some(Text::zh("监督电话：0477-5123456")),
    }
}

#[test]
fn one_page_notice_has_its_chinese_text_and_stays_small() {
    let fonts = system_fonts().expect("a CJK font is installed (fonts-noto-cjk)");
    eprintln!("fonts: {}", fonts.describe());
    let t = Instant::now();
    let pdf = render(&notice(Text::zh("补正告知书"))).unwrap();
    eprintln!("one-page notice: {} bytes in {:?}", pdf.len(), t.elapsed());

    let pages = pages_text(&pdf);
    assert_eq!(pages.len(), 1, "{pages:?}");
    let text = &pages[0];
    for want in [
        "补正告知书",
        "树民补告〔2026〕12号",
        "张三：",
        "152726198805120011",
        "申请类别：最低生活保障（农村）",
        "树林召镇人民政府",
        "经办人：张海燕",
        "2026年5月12日",
        "本告知书一式两份",
        "第1页/共1页",
    ] {
        assert!(text.contains(want), "{want:?} missing from {text:?}");
    }
    // The title comes first, the page number last.
    assert!(text.starts_with("补正告知书"), "{text}");
    assert!(pdf.len() < ONE_PAGE_LIMIT, "{} bytes", pdf.len());
}

#[test]
fn sixty_row_table_spans_pages_with_its_header_repeated() {
    let t = Instant::now();
    let pdf = render(&roll(60)).unwrap();
    eprintln!("60-row table: {} bytes in {:?}", pdf.len(), t.elapsed());

    let pages = pages_text(&pdf);
    // 20 rows fit under the heading on page 1, 28 on a full page: 3 pages.
    assert_eq!(pages.len(), 3, "{pages:?}");
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains("序号姓名家庭人口保障类别金额（元）"),
            "header on page {}: {page}",
            i + 1
        );
        assert!(page.contains(&format!("第{}页/共3页", i + 1)), "{page}");
    }
    assert!(pages[0].contains("最低生活保障审核确认结果公示"));
    // Row 1 on the first page, row 60 on the last, with the signature after it.
    assert!(pages[0].contains("1王建国1城市低保480.00"), "{}", pages[0]);
    assert!(pages[2].contains("60吴玉梅5特困供养"), "{}", pages[2]);
    assert!(pages[2].contains("树林召镇人民政府"));
    // Every row printed exactly once.
    let all = pages.concat();
    let printed: usize = ["城市低保", "农村低保", "特困供养"]
        .iter()
        .map(|k| all.matches(k).count())
        .sum();
    assert_eq!(printed, 60);
}

#[test]
fn mongolian_comes_first_in_its_column_or_is_left_out() {
    let system = system_fonts().unwrap();
    let title = Text::bilingual("受理通知书", "MN-受理-通知");

    // Any font in the Mongolian slot: the Mongolian column comes before the Chinese title.
    let fake = FontSet::from_files(system.cjk_path(), Some(system.cjk_path())).unwrap();
    assert!(fake.has_mongolian());
    let pages = pages_text(&render_with_fonts(&notice(title.clone()), &fake).unwrap());
    assert_eq!(pages.len(), 1);
    assert!(
        pages[0].starts_with("MN-受理-通知受理通知书"),
        "{}",
        pages[0]
    );

    // No Mongolian font: the column is left out, the rest unchanged.
    let none = system.clone().without_mongolian();
    let pages = pages_text(&render_with_fonts(&notice(title), &none).unwrap());
    assert_eq!(pages.len(), 1);
    assert!(!pages[0].contains("MN-"), "{}", pages[0]);
    assert!(pages[0].starts_with("受理通知书"), "{}", pages[0]);
    // …and exactly as a Chinese-only notice.
    assert_eq!(
        render_with_fonts(&notice(Text::bilingual("受理通知书", "ᠮᠣᠩᠭᠣᠯ")), &none).unwrap(),
        render_with_fonts(&notice(Text::zh("受理通知书")), &none).unwrap()
    );
}

/// A notice with real traditional Mongolian in the title, a paragraph, a field and the issuer.
fn bilingual_notice() -> Document {
    let mut doc = notice(Text::bilingual(
        "审核确认通知书",
        "ᠬᠢᠨᠠᠨ ᠪᠠᠲᠤᠯᠠᠭᠰᠠᠨ ᠮᠡᠳᠡᠭᠳᠡᠯ",
    ));
    doc.blocks.insert(
        1,
        Block::Paragraph(Text::bilingual(
            "经审核确认，您家庭符合最低生活保障条件。",
            "ᠲᠠᠨ ᠤ ᠭᠡᠷ ᠪᠦᠯᠢ ᠠᠮᠢᠳᠤᠷᠠᠯ ᠤᠨ ᠳᠣᠣᠷ\u{180E}ᠠ ᠳᠤ ᠪᠠᠲᠤᠯᠠᠭ\u{180E}ᠠ ᠶᠢᠨ ᠨᠥᠬᠥᠴᠡᠯ ᠳᠦ ᠲᠣᠬᠢᠷᠠᠵᠤ ᠪᠠᠶᠢᠨ\u{180E}ᠠ᠃",
        )),
    );
    doc.blocks.push(Block::Table {
        headers: vec![Text::bilingual("姓名", "ᠨᠡᠷ\u{180E}ᠡ"), Text::zh("金额")],
        rows: vec![vec!["王建国".into(), "480.00".into()]],
    });
    doc.footer = Some(Text::bilingual("本通知书一式两份。", "ᠬᠣᠶᠠᠷ ᠬᠤᠪᠢ"));
    doc
}

/// The page's content streams, decompressed.
fn content(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let page = *doc.get_pages().values().next().unwrap();
    String::from_utf8_lossy(&doc.get_page_content(page)).into_owned()
}

#[test]
fn mongolian_is_set_in_vertical_columns_with_the_font_embedded() {
    let system = system_fonts().unwrap();
    assert!(
        system.has_mongolian(),
        "a Mongolian font is installed (fonts-noto-core): {}",
        system.describe()
    );
    let pdf = render(&bilingual_notice()).unwrap();
    let pages = pages_text(&pdf);
    // The Mongolian columns make the body longer: the table moves on to page 2.
    assert_eq!(pages.len(), 2, "{pages:?}");
    let text = &pages.concat();
    // Mongolian before the Chinese of the same block, in the text layer (copy, search).
    let mn_title = text
        .find("ᠬᠢᠨᠠᠨ")
        .expect("Mongolian title in the text layer");
    let zh_title = text.find("审核确认通知书").expect("Chinese title");
    assert!(mn_title < zh_title, "{text}");
    assert!(text.contains("ᠪᠠᠲᠤᠯᠠᠭ"), "{text}");
    // The header cell and footer stay Chinese only.
    assert!(!text.contains("ᠨᠡᠷ") && !text.contains("ᠬᠣᠶᠠᠷ"), "{text}");

    // Each column is drawn under a 90° clockwise turn: on the page (whose y axis points up)
    // `0 -1 -1 0 x y cm`, x along the column downwards.
    let stream = content(&pdf);
    let turns = stream.matches("0 -1 -1 0 ").count();
    assert!(
        turns >= 2,
        "title and paragraph columns on page 1: {turns}\n{stream}"
    );
    // The Mongolian face is embedded (as a subset) beside the CJK one.
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains("NotoSansMongolian"),
        "no Mongolian font embedded"
    );
    assert!(pdf.len() < 2 * ONE_PAGE_LIMIT, "{} bytes", pdf.len());
}

#[test]
fn a_chinese_only_notice_has_no_turned_text() {
    let pdf = render(&notice(Text::zh("补正告知书"))).unwrap();
    assert_eq!(content(&pdf).matches("0 -1 -1 0 ").count(), 0);
}

#[test]
fn rendering_is_deterministic() {
    let doc = notice(Text::zh("不予确认通知书"));
    assert_eq!(render(&doc).unwrap(), render(&doc).unwrap());
}

#[test]
fn a_row_with_the_wrong_number_of_cells_is_an_error() {
    let mut doc = roll(3);
    if let Block::Table { rows, .. } = &mut doc.blocks[1] {
        rows[1].pop();
    }
    match render(&doc) {
        Err(PdfError::Render(m)) => assert!(m.contains("row 2"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unusable_font_file_is_no_font() {
    let err = FontSet::from_files(std::path::Path::new("/nonexistent/font.ttc"), None).unwrap_err();
    assert!(matches!(err, PdfError::NoFont(_)));
    assert!(err.to_string().contains("/nonexistent/font.ttc"), "{err}");
}
