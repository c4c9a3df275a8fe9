//! What an assessment returns: a proposal (never a decision) with every step explained in Chinese.

use super::date::Date;
use super::household::Area;
use super::money::yuan;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Said first in every proposal: the engine proposes, people decide (S1 Art. 28; PIPL Art. 24).
pub const NOTICE: &str = "本结果是系统按地区配置测算的建议，不是审核确认决定。是否纳入、金额多少，须由工作人员核对后按程序审核确认（《最低生活保障审核确认办法》第二十八条）；当事人有权要求说明，并可拒绝仅通过自动化方式作出的决定（《个人信息保护法》第二十四条）。";

/// In the order the explanation presents them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Members,
    Income,
    Exemption,
    Imputed,
    Deduction,
    PerCapita,
    Property,
    Dibao,
    Edge,
    RigidExpense,
    Tekun,
    PhaseOut,
    SinglePerson,
    Temporary,
}

impl Section {
    pub fn zh(self) -> &'static str {
        match self {
            Section::Members => "共同生活家庭成员",
            Section::Income => "收入",
            Section::Exemption => "不计入的收入",
            Section::Imputed => "推算收入",
            Section::Deduction => "刚性支出扣减",
            Section::PerCapita => "月人均收入",
            Section::Property => "财产状况",
            Section::Dibao => "最低生活保障",
            Section::Edge => "低保边缘家庭",
            Section::RigidExpense => "刚性支出困难家庭",
            Section::Tekun => "特困人员",
            Section::PhaseOut => "渐退",
            Section::SinglePerson => "单人保（单人户）",
            Section::Temporary => "支出型临时救助",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub section: Section,
    pub text: String,
}

/// The proposal for one scheme. `amount_fen` is monthly, except for 临时救助 (one payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub proposed: bool,
    pub amount_fen: Option<i64>,
    pub summary: String,
}

impl Outcome {
    pub fn not_proposed(summary: impl Into<String>) -> Outcome {
        Outcome {
            proposed: false,
            amount_fen: None,
            summary: summary.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
/// The proposal for one member (特困 is per person; so is 单人保).
pub struct MemberOutcome {
    pub member_id: String,
    pub name: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub notice: String,
    pub case_no: String,
    pub source: String,
    pub region: String,
    /// The configuration version the assessment used (a review must use the one then in force).
    pub config_version: String,
    pub assessed_on: Date,
    pub area: Area,
    pub standard_fen: i64,
    pub counted_members: u32,
    /// Rounded as the configuration says; None when no member counts.
    pub per_capita_monthly_income_fen: Option<i64>,
    pub dibao: Outcome,
    pub edge: Outcome,
    pub rigid_expense: Outcome,
    /// Present when the household already receives 低保 and no longer qualifies on income.
    pub phase_out: Option<Outcome>,
    /// Only for a 特困 case: one per counted member.
    pub tekun: Vec<MemberOutcome>,
    /// Only when the visit records a 单人保 application: the member assessed on their own.
    #[serde(default)]
    pub single_person: Option<MemberOutcome>,
    /// Only for a 临时救助 case.
    pub temporary: Option<Outcome>,
    pub steps: Vec<Step>,
    /// Things a caseworker must check: missing or unrecognised inputs.
    pub warnings: Vec<String>,
}

fn verdict(o: &Outcome, monthly: bool) -> String {
    match (o.proposed, o.amount_fen) {
        (true, Some(a)) if monthly => format!("建议符合，每月{}", yuan(a)),
        (true, Some(a)) => format!("建议符合，一次性{}", yuan(a)),
        (true, None) => "建议符合".to_string(),
        (false, _) => "建议不符合".to_string(),
    }
}

impl Proposal {
    /// The explanation as readable Chinese text, section by section.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let w = &mut out;
        let _ = writeln!(w, "【测算建议，非决定】{}", self.notice);
        let _ = writeln!(
            w,
            "案件：{}　数据来源：{}\n地区配置：{}，版本 {}（测算日 {}）\n适用标准：{}低保标准 {}/人·月；共同生活家庭成员 {} 人",
            self.case_no,
            self.source,
            self.region,
            self.config_version,
            self.assessed_on,
            self.area.zh(),
            yuan(self.standard_fen),
            self.counted_members
        );
        // Steps are recorded as computed (rows interleave sections); present them section by section.
        let mut steps: Vec<&Step> = self.steps.iter().collect();
        steps.sort_by_key(|s| s.section);
        let mut section = None;
        for s in steps {
            if section != Some(s.section) {
                section = Some(s.section);
                let _ = writeln!(w, "\n■ {}", s.section.zh());
            }
            let _ = writeln!(w, "  · {}", s.text);
        }
        let _ = writeln!(w, "\n■ 结论（建议）");
        if let Some(y) = self.per_capita_monthly_income_fen {
            let _ = writeln!(w, "  月人均收入：{}", yuan(y));
        }
        let mut line = |name: &str, o: &Outcome, monthly: bool| {
            let _ = writeln!(w, "  {name}：{}。{}", verdict(o, monthly), o.summary);
        };
        line("最低生活保障", &self.dibao, true);
        line("低保边缘家庭", &self.edge, true);
        line("刚性支出困难家庭", &self.rigid_expense, true);
        if let Some(p) = &self.phase_out {
            line("渐退", p, true);
        }
        for t in &self.tekun {
            line(&format!("特困人员（{}）", t.name), &t.outcome, true);
        }
        if let Some(t) = &self.single_person {
            line(&format!("单人保（{}）", t.name), &t.outcome, true);
        }
        if let Some(t) = &self.temporary {
            line("支出型临时救助", t, false);
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(w, "\n■ 需要核实");
            for x in &self.warnings {
                let _ = writeln!(w, "  ! {x}");
            }
        }
        out
    }
}
