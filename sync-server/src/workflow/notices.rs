//! Written notices (告知书) to the applicant: what each step must tell them in writing (补正 with
//! every missing item at once, 受理, 核对不符, the decision with its amount or its reasons and the
//! applicant's rights), kept as items and rendered to PDF on request. Also the public documents:
//! the 公示 notice and the approved roll, and 民主评议 minutes.

use super::config::WorkflowConfig;
use super::flow::{Flow, NOTICE, Record};
use super::{Result, WorkflowError};
use crate::review::text_mn;
use crate::store::{DocTxn, Item, Store, StoreError};
use jiuzhu_pdf::{Block, Document, Text};
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::schema::CaseDoc;
use jiuzhu_shared::workflow::publicity::{PublicEntry, yuan};
use jiuzhu_shared::workflow::{Action, Decider};
use serde::{Deserialize, Serialize};

/// A notice as kept and as the applicant's page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub id: String,
    pub case_id: String,
    /// supplement | acceptance | check_failed | closed_ineligible | approval | rejection | stop |
    /// termination | review_opened
    pub kind: String,
    pub title: String,
    pub number: String,
    pub addressee: String,
    pub paragraphs: Vec<String>,
    pub fields: Vec<(String, String)>,
    pub issuer: String,
    pub date: String,
    pub created_at: i64,
}

fn township_gov(township: &str) -> String {
    if township.ends_with("街道") {
        format!("{township}办事处")
    } else {
        format!("{township}人民政府")
    }
}

const BUREAU: &str = "达拉特旗民政局";

fn issuer_of_decision(flow: &Flow, config: &WorkflowConfig) -> String {
    match config.options.decider {
        Decider::Bureau => BUREAU.to_string(),
        Decider::Township => township_gov(&flow.township),
    }
}

fn applicant_name(flow: &Flow, doc: Option<&CaseDoc>) -> String {
    doc.map(|d| d.header.applicant_name.clone())
        .filter(|n| !n.is_empty())
        .or_else(|| flow.application.as_ref().map(|a| a.applicant.name.clone()))
        .unwrap_or_default()
}

const RIGHTS: &str = "如对本决定不服，可以自收到本通知书之日起六十日内向达拉特旗人民政府申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。";

/// `2026-11-27` → `2026年11月27日`, as official documents write dates.
pub fn zh_date(iso: &str) -> String {
    let mut parts = iso.split('-').map(|p| p.trim_start_matches('0'));
    match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d)) if !m.is_empty() && !d.is_empty() => format!("{y}年{m}月{d}日"),
        _ => iso.to_string(),
    }
}

/// Kind, title, paragraphs, fields and issuer of a notice.
type NoticeParts = (
    &'static str,
    &'static str,
    Vec<String>,
    Vec<(String, String)>,
    String,
);

/// The notice a transition calls for, if any.
pub fn for_transition(
    flow: &Flow,
    record: &Record,
    doc: Option<&CaseDoc>,
    config: &WorkflowConfig,
) -> Option<Notice> {
    let name = applicant_name(flow, doc);
    let programme = flow.programme.zh();
    let date = Date::in_china(record.at).to_string();
    let reason = record.reason.clone().unwrap_or_default();
    let (kind, title, paragraphs, fields, issuer): NoticeParts =
        match record.action {
            Action::RequestSupplement => (
                "supplement",
                "补正材料告知书",
                vec![
                    format!("经审查，您于{}提交的{programme}申请材料不齐全（申请编号{}）。根据《最低生活保障审核确认办法》第十条，现一次性告知需要补正的全部材料：", zh_date(&Date::in_china(flow.facts.signatures.first().map(|s| s.at).unwrap_or(record.at)).to_string()), flow.case_no),
                    flow.facts
                        .missing_items
                        .iter()
                        .enumerate()
                        .map(|(i, m)| format!("{}. {m}", i + 1))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    "请在手机页面“我的申请”中上传上述材料后点击“补正后重新提交”，也可以携带材料到乡镇（街道）社会救助窗口办理。可以通过政务服务平台获取的材料，无需您重复提供。".into(),
                ],
                vec![],
                township_gov(&flow.township),
            ),
            Action::Accept => (
                "acceptance",
                "受理通知书",
                vec![
                    format!("您提交的{programme}申请（编号{}）材料齐全，本机关已于{date}受理。", flow.case_no),
                    "我们将在3个工作日内组织入户调查，请您和家庭成员配合调查人员核实家庭人口、收入、财产等情况。".into(),
                ],
                vec![],
                township_gov(&flow.township),
            ),
            Action::NotifyCheckFailed => {
                let check = flow.facts.check_results.last();
                let due = jiuzhu_shared::workflow::calendar::add_days(
                    Date::in_china(record.at),
                    i64::from(config.options.check_objection_days),
                );
                (
                    "check_failed",
                    "家庭经济状况核对结果告知书",
                    vec![
                        format!(
                            "经家庭经济状况信息核对（核对日期{}），您家庭的情况不符合{programme}条件：{reason}",
                            check.map(|c| zh_date(&c.checked_on.to_string())).unwrap_or_default()
                        ),
                        format!(
                            "如有异议，请于{}前在手机页面“我的申请”中点击“对核对结果提出异议”，写明理由并上传证明材料，也可以到乡镇（街道）社会救助窗口提出。我们将组织复查（《最低生活保障审核确认办法》第十八条）。逾期未提出异议的，本次申请按核对结果办结。",
                            zh_date(&due.to_string())
                        ),
                    ],
                    check
                        .filter(|c| !c.items.is_empty())
                        .map(|c| vec![("核对不符的项目".to_string(), c.items.join("、"))])
                        .unwrap_or_default(),
                    township_gov(&flow.township),
                )
            }
            Action::CloseIneligible => (
                "closed_ineligible",
                "核对不符办结告知书",
                vec![
                    format!("您的{programme}申请（编号{}）经家庭经济状况信息核对不符合条件，您在规定期限内未提出异议，本申请办结。", flow.case_no),
                    RIGHTS.into(),
                ],
                vec![],
                township_gov(&flow.township),
            ),
            Action::Approve => {
                let d = flow.facts.decision.as_ref()?;
                (
                    "approval",
                    "审核确认通知书",
                    vec![format!("经审核确认，您家庭符合{programme}条件，自{}起按月发放保障金，发放到您家庭的银行账户（社会化发放）。", d.start_month),
                         "家庭人口、收入、财产状况发生变化时，请及时通过手机页面“定期报告”或到乡镇窗口告知。".into()],
                    vec![
                        ("保障金额（元/月）".into(), yuan(d.amount_fen)),
                        ("起始月份".into(), d.start_month.clone()),
                    ],
                    issuer_of_decision(flow, config),
                )
            }
            Action::Reject => (
                "rejection",
                "不予确认通知书",
                vec![
                    format!("经审核，您的{programme}申请（编号{}）不予确认。理由：{reason}", flow.case_no),
                    RIGHTS.into(),
                ],
                vec![],
                issuer_of_decision(flow, config),
            ),
            Action::Stop => (
                "stop",
                "停发通知书",
                vec![format!("经核查，自下月起停止发放您家庭的{programme}保障金。理由：{reason}"), RIGHTS.into()],
                vec![],
                issuer_of_decision(flow, config),
            ),
            Action::Terminate => (
                "termination",
                "终止审核确认告知书",
                vec![
                    format!("因{reason}，本机关终止对您{programme}申请（编号{}）的审核确认。", flow.case_no),
                    "家庭成员无正当理由拒不配合调查的，可以终止审核确认（《最低生活保障审核确认办法》第二十九条）。如家庭情况需要救助，可以重新申请并配合调查。".into(),
                    RIGHTS.into(),
                ],
                vec![],
                township_gov(&flow.township),
            ),
            _ => return None,
        };
    Some(Notice {
        id: super::ordered_id(),
        case_id: flow.case_id.clone(),
        kind: kind.into(),
        title: title.into(),
        number: String::new(),
        addressee: name,
        paragraphs,
        fields,
        issuer,
        date,
        created_at: record.at,
    })
}

/// Keep a notice, numbering it in the year's sequence (文号).
pub fn put(txn: &mut dyn DocTxn, case_id: &str, notice: &Notice, now: i64) -> Result<()> {
    let year = &notice.date[..4];
    let n = txn.count_items(NOTICE)? + 1;
    let mut notice = notice.clone();
    notice.number = format!("救助告〔{year}〕{n}号");
    txn.put_item(&Item {
        kind: NOTICE.into(),
        id: notice.id.clone(),
        case_id: Some(case_id.to_string()),
        body: serde_json::to_value(&notice).expect("a notice serialises"),
        at: now,
    })?;
    Ok(())
}

pub fn of_case(store: &dyn Store, case_id: &str) -> Result<Vec<Notice>> {
    store
        .items(NOTICE, Some(case_id))?
        .into_iter()
        .map(|i| {
            serde_json::from_value(i.body).map_err(|e| {
                WorkflowError::Store(StoreError::Invalid(format!("stored notice: {e}")))
            })
        })
        .collect()
}

pub fn get(store: &dyn Store, id: &str) -> Result<Notice> {
    let item = store
        .item(NOTICE, id)?
        .ok_or_else(|| WorkflowError::NotFound("没有这份通知书".into()))?;
    serde_json::from_value(item.body)
        .map_err(|e| WorkflowError::Store(StoreError::Invalid(format!("stored notice: {e}"))))
}

pub fn render(doc: &Document) -> Result<Vec<u8>> {
    jiuzhu_pdf::render(doc).map_err(|e| WorkflowError::Invalid(format!("无法生成PDF：{e}")))
}

/// Chinese with its Mongolian from `text_mn`, when there is one.
fn bilingual(zh: impl Into<String>, mn: Option<&str>) -> Text {
    Text {
        zh: zh.into(),
        mn: mn.map(String::from),
    }
}

/// The issuer's Mongolian: the bureau's name (townships' Mongolian names await the client).
fn issuer_mn(issuer: &str) -> Option<&'static str> {
    (issuer == BUREAU).then_some(text_mn::BUREAU)
}

/// The notice as a PDF, bilingual: the Mongolian title, a Mongolian summary beside the first
/// paragraph, the rights in Mongolian beside the Chinese, field labels and the bureau's name.
pub fn pdf(n: &Notice) -> Result<Vec<u8>> {
    let mut blocks = vec![Block::Paragraph(Text::zh(format!("{}：", n.addressee)))];
    blocks.extend(n.paragraphs.iter().enumerate().map(|(i, p)| {
        let mn = if p == RIGHTS {
            Some(text_mn::RIGHTS)
        } else if i == 0 {
            text_mn::notice_summary(&n.kind)
        } else {
            None
        };
        Block::Paragraph(bilingual(p.clone(), mn))
    }));
    blocks.extend(n.fields.iter().map(|(label, value)| Block::Field {
        label: bilingual(label.clone(), text_mn::field_label(label)),
        value: value.clone(),
    }));
    blocks.push(Block::Spacer);
    blocks.push(Block::Signature {
        label: bilingual(n.issuer.clone(), issuer_mn(&n.issuer)),
        name: String::new(),
        date: zh_date(&n.date),
    });
    render(&Document {
        title: bilingual(n.title.clone(), text_mn::notice_title(&n.kind)),
        subtitle: None,
        number: Some(n.number.clone()),
        blocks,
        footer: Some(Text::zh(
            "本通知书由救助系统生成，可在手机页面“我的申请”中查看。",
        )),
    })
}

fn entries_table(entries: &[PublicEntry], with_period: bool) -> Block {
    let mut headers = vec![
        "申请人",
        "家庭人口",
        "救助类别",
        "金额（元/月）",
        "嘎查村/社区",
    ];
    if with_period {
        headers.push("公示期");
    }
    Block::Table {
        headers: headers.into_iter().map(Text::zh).collect(),
        rows: entries
            .iter()
            .map(|e| {
                let mut row = vec![
                    e.full_name.clone(),
                    e.household_size.to_string(),
                    e.programme_zh.clone(),
                    e.amount_yuan.clone(),
                    e.village.clone(),
                ];
                if with_period {
                    row.push(format!("{} 至 {}", e.from, e.to));
                }
                row
            })
            .collect(),
    }
}

/// The 公示 notice to post in the village: names in full on paper, nothing else personal.
pub fn publicity_pdf(
    township: &str,
    entries: &[PublicEntry],
    hotline: &str,
    today: Date,
) -> Result<Vec<u8>> {
    render(&Document {
        title: bilingual("社会救助审核公示", Some(text_mn::PUBLICITY_TITLE)),
        subtitle: Some(Text::zh(township_gov(township))),
        number: None,
        blocks: vec![
            Block::Paragraph(bilingual(
                "根据《最低生活保障审核确认办法》第十九条，现将以下家庭的初审意见予以公示。公示期间，如有异议，可通过电话、到乡镇（街道）窗口或在网上公示页面提出。",
                Some(text_mn::PUBLICITY_INTRO),
            )),
            entries_table(entries, true),
            Block::Field {
                label: bilingual("异议受理电话", text_mn::field_label("异议受理电话")),
                value: if hotline.is_empty() {
                    "乡镇社会救助窗口".into()
                } else {
                    hotline.to_string()
                },
            },
            Block::Spacer,
            Block::Signature {
                label: Text::zh(township_gov(township)),
                name: String::new(),
                date: zh_date(&today.to_string()),
            },
        ],
        footer: Some(Text::zh(
            "公示内容仅限申请人姓名、家庭人口、救助类别和金额，不得用于其他用途。",
        )),
    })
}

/// The approved roll (公布).
pub fn roll_pdf(township: &str, entries: &[PublicEntry], today: Date) -> Result<Vec<u8>> {
    render(&Document {
        title: bilingual("社会救助对象公布", Some(text_mn::ROLL_TITLE)),
        subtitle: Some(Text::zh(township.to_string())),
        number: None,
        blocks: vec![
            Block::Paragraph(bilingual(
                "根据《最低生活保障审核确认办法》第二十四条，现将经审核确认的救助对象予以公布。",
                Some(text_mn::ROLL_INTRO),
            )),
            entries_table(entries, false),
            Block::Spacer,
            Block::Signature {
                label: bilingual(BUREAU, Some(text_mn::BUREAU)),
                name: String::new(),
                date: zh_date(&today.to_string()),
            },
        ],
        footer: Some(Text::zh(
            "公布内容仅限申请人姓名、家庭人口、救助类别和金额。",
        )),
    })
}

pub fn minutes_pdf(title: &str, blocks: Vec<Block>) -> Result<Vec<u8>> {
    render(&Document {
        title: Text::zh("民主评议记录"),
        subtitle: Some(Text::zh(title.to_string())),
        number: None,
        blocks,
        footer: Some(Text::zh("评议结果仅供参考，由乡镇形成结论。")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_notice_prints_its_mongolian_with_the_font_embedded() {
        let notice = Notice {
            id: "n1".into(),
            case_id: "c1".into(),
            kind: "approval".into(),
            title: "审核确认通知书".into(),
            number: "救助告〔2026〕3号".into(),
            addressee: "ᠪᠠᠲᠤ".into(),
            paragraphs: vec!["经审核确认，您家庭符合低保条件。".into(), RIGHTS.into()],
            fields: vec![("保障金额（元/月）".into(), "560.00".into())],
            issuer: BUREAU.into(),
            date: "2026-11-27".into(),
            created_at: 0,
        };
        let pdf = pdf(&notice).expect("renders");
        let fonts = jiuzhu_pdf::system_fonts().expect("fonts");
        assert!(fonts.has_mongolian(), "{}", fonts.describe());
        let raw = String::from_utf8_lossy(&pdf);
        assert!(raw.contains("NotoSansMongolian"), "Mongolian font embedded");
        // The same notice with no Mongolian anywhere is a different, smaller file.
        let plain = render(&Document {
            title: Text::zh("审核确认通知书"),
            subtitle: None,
            number: None,
            blocks: vec![],
            footer: None,
        })
        .expect("renders");
        assert!(!String::from_utf8_lossy(&plain).contains("NotoSansMongolian"));
    }

    #[test]
    fn dates_are_written_the_chinese_way() {
        assert_eq!(super::zh_date("2026-01-07"), "2026年1月7日");
        assert_eq!(super::zh_date("2026-11-27"), "2026年11月27日");
        assert_eq!(super::zh_date("soon"), "soon");
    }
}
