//! Writes a sample 补正告知书 and a 60-row 公示 roll, to look at the layout:
//!
//!     cargo run -p jiuzhu-pdf --example sample -- /tmp/pdf-sample
//!     pdftoppm -png -r 80 /tmp/pdf-sample/notice.pdf /tmp/pdf-sample/notice
//!
//! Without an argument the files go to a new directory under the system's temp directory.

use std::path::PathBuf;
use std::time::Instant;

use jiuzhu_pdf::{Block, Document, Text, render, system_fonts};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = match std::env::args_os().nth(1) {
        Some(d) => PathBuf::from(d),
        None => std::env::temp_dir().join(format!("jiuzhu-pdf-sample-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;

    let t = Instant::now();
    let fonts = system_fonts()?;
    println!("fonts ({:?}): {}", t.elapsed(), fonts.describe());

    // A placeholder Mongolian string ("Mongol bichig"), only to show where the line goes.
    let mn = fonts.has_mongolian().then(|| "ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ".to_string());
    let mut docs = vec![("notice", notice(mn.clone())), ("roll", roll(mn.clone()))];
    if let Some(mn) = mn {
        docs.push(("bilingual", bilingual(&mn)));
    }
    for (name, doc) in docs {
        let t = Instant::now();
        let pdf = render(&doc)?;
        let path = dir.join(format!("{name}.pdf"));
        std::fs::write(&path, &pdf)?;
        println!(
            "{}: {} bytes in {:?}",
            path.display(),
            pdf.len(),
            t.elapsed()
        );
    }
    Ok(())
}

fn notice(mn: Option<String>) -> Document {
    Document {
        title: Text {
            zh: "补正告知书".into(),
            mn,
        },
        subtitle: None,
        number: Some("树民补告〔2026〕12号".into()),
        blocks: vec![
            Block::Field {
                label: Text::zh("张三"),
                value: String::new(),
            },
            Block::Paragraph(Text::zh(
                "你（身份证号码 152726198805120011）于2026年5月6日向本机关提交的最低生活保障申请，\
                 经审查，申请材料不齐全。根据《社会救助暂行办法》和《内蒙古自治区最低生活保障\
                 审核确认办法》的规定，请你自收到本告知书之日起15个工作日内补正下列材料：",
            )),
            Block::Field {
                label: Text::zh("申请编号"),
                value: "0193f2a4-7c1e-7b3d-9a51-2f6c8d0e4b17".into(),
            },
            Block::Field {
                label: Text::zh("申请类别"),
                value: "最低生活保障（农村）".into(),
            },
            Block::Field {
                label: Text::zh("需补正材料"),
                value: "1. 家庭成员户口簿复印件；\n2. 2025年10月至2026年3月的收入证明（务工单位出具）；\n\
                        3. 王桂兰的残疾人证（Disability Certificate）复印件。"
                    .into(),
            },
            Block::Paragraph(Text::zh(
                "逾期未补正的，视为放弃本次申请；补正后申请材料齐全的，本机关将在3个工作日内受理。\
                 如有疑问，请与树林召镇社会事务办公室联系，电话 0477-5123456。",
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

fn roll(mn: Option<String>) -> Document {
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    let given = [
        "建国", "桂兰", "海燕", "秀英", "志强", "玉梅", "德胜", "淑珍",
    ];
    let kinds = ["城市低保", "农村低保", "特困供养"];
    let rows = (0..60)
        .map(|i| {
            vec![
                (i + 1).to_string(),
                format!("{}{}", surnames[i % 10], given[i % 8]),
                format!(
                    "树林召镇{}村",
                    ["王家壕", "林原", "东海心", "新民堡"][i % 4]
                ),
                ((i % 5) + 1).to_string(),
                kinds[i % 3].into(),
                format!("{}.00", 480 + (i * 37) % 900),
            ]
        })
        .collect();
    Document {
        title: Text {
            zh: "最低生活保障审核确认结果公示".into(),
            mn,
        },
        subtitle: Some(Text::zh("（2026年第2批）")),
        number: Some("树民公〔2026〕3号".into()),
        blocks: vec![
            Block::Paragraph(Text::zh(
                "根据《社会救助暂行办法》规定，经入户调查、民主评议和审核，拟确认以下家庭为最低\
                 生活保障对象，现予公示。公示期为2026年5月13日至5月19日，如有异议，请向树林召镇\
                 人民政府反映。",
            )),
            Block::Table {
                headers: [
                    "序号",
                    "姓名",
                    "住址",
                    "家庭人口",
                    "保障类别",
                    "月保障金额（元）",
                ]
                .into_iter()
                .map(Text::zh)
                .collect(),
                rows,
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

/// Mongolian in every slot a [`Text`] has.
fn bilingual(mn: &str) -> Document {
    let t = |zh: &str| Text::bilingual(zh, mn);
    Document {
        title: t("受理通知书"),
        subtitle: Some(t("（申请人联）")),
        number: Some("树民受〔2026〕7号".into()),
        blocks: vec![
            Block::Field {
                label: t("申请人"),
                value: "王建国".into(),
            },
            Block::Paragraph(t(
                "你于2026年5月6日提交的最低生活保障申请材料齐全，本机关已于2026年5月8日受理。",
            )),
            Block::Table {
                headers: vec![t("姓名"), t("与申请人关系"), Text::zh("身份证号码")],
                rows: vec![
                    vec!["王建国".into(), "本人".into(), "152726198805120011".into()],
                    vec!["王桂兰".into(), "母亲".into(), "152726195604030022".into()],
                ],
            },
            Block::Signature {
                label: t("树林召镇人民政府"),
                name: String::new(),
                date: "2026年5月8日".into(),
            },
        ],
        footer: Some(t("本通知书一式两份。")),
    }
}
