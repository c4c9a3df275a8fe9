//! The determination (domain §5): members, income, exemptions, imputed income, rigid-expenditure
//! deduction, per-capita income, property tests and amounts for 低保, 低保边缘, 刚性支出困难, 特困,
//! 渐退 and 支出型临时救助. It returns a `Proposal`; it never decides (S1 Art. 28).

use super::config::{
    BenefitMode, ConfigError, DisabilityKind, DisabilityRule, EmploymentCost, NetFloor, PersonType,
    PropertyLimits, RegionConfig, RuleSet, Scheme, Stacking,
};
use super::date::Date;
use super::household::{Area, Household, Member, SchoolStage, WorkCapacity};
use super::money::{Frac, round_to_unit, yuan};
use super::proposal::{MemberOutcome, NOTICE, Outcome, Proposal, Section, Step};
use crate::schema::{Expenditure, IncomeRow};
use crate::vocab;
use std::collections::{BTreeMap, BTreeSet};

/// Assess `household` with the rule set of `config` in force on `on`.
pub fn assess(
    config: &RegionConfig,
    household: &Household,
    on: Date,
) -> Result<Proposal, ConfigError> {
    let rules = config.version_on(on)?;
    let mut a = Assessor {
        r: rules,
        h: household,
        on,
        steps: Vec::new(),
        warnings: household.notes.clone(),
    };
    Ok(a.run(config))
}

struct Assessor<'a> {
    r: &'a RuleSet,
    h: &'a Household,
    on: Date,
    steps: Vec<Step>,
    warnings: Vec<String>,
}

const CATEGORIES: [(&str, &str); 5] = [
    ("wage", "工资性收入"),
    ("business", "经营净收入"),
    ("property", "财产净收入"),
    ("transfer", "转移净收入"),
    ("other", "其他收入"),
];

fn category_zh(c: &str) -> &'static str {
    CATEGORIES
        .iter()
        .find(|(k, _)| *k == c)
        .map_or("其他收入", |(_, z)| z)
}

fn expense_zh(kind: &str) -> &'static str {
    match kind {
        "medical" => "医疗",
        "education" => "教育",
        "disability" => "残疾康复",
        "living" => "生活",
        _ => "其他",
    }
}

fn disability_matches(rules: &[DisabilityRule], m: &Member) -> bool {
    m.disability.is_some_and(|d| {
        rules
            .iter()
            .any(|r| r.kind.is_none_or(|k| k == d.kind) && d.grade <= r.max_grade)
    })
}

/// Income of one measure (低保 or 特困 exemptions): net over the reference period T.
struct Tally {
    /// Per member id (None: rows of the whole household or of an unknown member).
    by_member: BTreeMap<Option<String>, Frac>,
}

impl Tally {
    fn total(&self) -> Frac {
        self.by_member.values().fold(Frac::ZERO, |a, b| a + *b)
    }
    fn of(&self, id: &str) -> Frac {
        self.by_member
            .get(&Some(id.to_string()))
            .copied()
            .unwrap_or(Frac::ZERO)
    }
}

impl<'a> Assessor<'a> {
    fn step(&mut self, section: Section, text: impl Into<String>) {
        self.steps.push(Step {
            section,
            text: text.into(),
        });
    }

    fn warn(&mut self, text: impl Into<String>) {
        self.warnings.push(text.into());
    }

    fn t(&self) -> u32 {
        self.r.income.reference_period_months
    }

    fn standard(&self) -> i64 {
        match self.h.area {
            Area::Urban => self.r.standards.urban_dibao_fen,
            Area::Rural => self.r.standards.rural_dibao_fen,
        }
    }

    fn prev_income(&self) -> i64 {
        match self.h.area {
            Area::Urban => self.r.standards.urban_prev_disposable_income_fen_per_year,
            Area::Rural => self.r.standards.rural_prev_disposable_income_fen_per_year,
        }
    }

    fn age(&self, m: &Member) -> Option<u32> {
        m.birth_date.map(|b| b.age_on(self.on))
    }

    fn name_of(&self, id: Option<&str>) -> String {
        match id.and_then(|id| self.h.members.iter().find(|m| m.id == id)) {
            Some(m) => m.name.clone(),
            None => "全户".to_string(),
        }
    }

    fn run(&mut self, config: &RegionConfig) -> Proposal {
        let counted = self.members();
        let n = counted.len() as i64;
        let s = self.standard();
        let ids: BTreeSet<&str> = counted.iter().map(|m| m.id.as_str()).collect();
        let mut p = Proposal {
            notice: NOTICE.to_string(),
            case_no: self.h.case_no.clone(),
            source: self.h.source.clone(),
            region: config.region.clone(),
            config_version: self.r.version.clone(),
            assessed_on: self.on,
            area: self.h.area,
            standard_fen: s,
            counted_members: n as u32,
            per_capita_monthly_income_fen: None,
            dibao: Outcome::not_proposed("没有计入的共同生活家庭成员，无法测算。"),
            edge: Outcome::not_proposed("没有计入的共同生活家庭成员，无法测算。"),
            rigid_expense: Outcome::not_proposed("没有计入的共同生活家庭成员，无法测算。"),
            phase_out: None,
            tekun: Vec::new(),
            single_person: None,
            temporary: None,
            steps: Vec::new(),
            warnings: Vec::new(),
        };
        if n == 0 {
            self.warn("没有计入的共同生活家庭成员：请核对成员名单及“是否计入”。");
            p.steps = std::mem::take(&mut self.steps);
            p.warnings = std::mem::take(&mut self.warnings);
            return p;
        }
        let t = i64::from(self.t());

        let tally = self.income(Scheme::Dibao, &ids, true);
        let imputed = self.imputed(&counted, &tally);
        let y_total = tally.total() + imputed;
        let deduction = self.deduction(&ids);
        let after = (y_total - deduction).max0();
        let mode = self.r.income.per_capita_rounding;
        let y = after.div_int(t).div_int(n).round(mode);
        self.step(
            Section::PerCapita,
            format!(
                "月人均收入 =（计入收入{} + 推算收入{} − 刚性支出扣减{}，不低于0）÷ {t}个月 ÷ {n}人 = {} → 按“{}”取整到分：{}",
                tally.total().yuan(),
                imputed.yuan(),
                deduction.yuan(),
                after.div_int(t).div_int(n).yuan(),
                mode.zh(),
                yuan(y)
            ),
        );
        p.per_capita_monthly_income_fen = Some(y);
        // 刚性支出困难 and 临时救助 compare income before the deduction with last year's average.
        let income_12 = y_total.mul_int(12).div_int(t);
        let annual_pc = income_12.div_int(n).round(mode);

        let dibao_property = self.property_test("低保", &self.r.property.dibao, n);
        p.dibao = self.dibao(&counted, y, dibao_property);
        p.edge = self.edge(y, p.dibao.proposed, n);
        if let Some(b) = self.h.current_benefit_fen.filter(|_| !p.dibao.proposed) {
            p.phase_out = Some(self.phase_out(b, y < s, dibao_property));
        }
        if self.h.case_type == "tekun" {
            p.tekun = self.tekun(&counted, &ids);
        }
        let tekun_proposed = p.tekun.iter().any(|t| t.outcome.proposed);
        if tekun_proposed {
            let why = "已符合特困人员救助供养条件：特困人员不再同时认定低保或低保边缘家庭。";
            if p.dibao.proposed || p.edge.proposed {
                self.step(Section::Tekun, why);
            }
            p.dibao = Outcome::not_proposed(why);
            p.edge = Outcome::not_proposed(why);
        }
        p.rigid_expense = if p.dibao.proposed || p.edge.proposed || tekun_proposed {
            Outcome::not_proposed(
                "已符合低保、低保边缘或特困条件，不再认定刚性支出困难家庭（S8第四条）。",
            )
        } else {
            self.rigid_expense(&ids, income_12, annual_pc, n)
        };
        if self.h.case_type == "temporary" {
            p.temporary = Some(self.temporary(&ids, income_12, annual_pc, n));
        }
        if let Some(sp) = &self.h.single_person {
            p.single_person = Some(self.single_person(config, sp, &counted, &p));
        }
        p.steps = std::mem::take(&mut self.steps);
        p.warnings = std::mem::take(&mut self.warnings);
        p
    }

    /// Who counts (S1 Art. 7): members marked counted, and those not counted only with a reason.
    fn members(&mut self) -> Vec<&'a Member> {
        let h = self.h;
        let mut counted = Vec::new();
        for m in &h.members {
            let age = self
                .age(m)
                .map_or("年龄不详".to_string(), |a| format!("{a}岁"));
            // "（配偶，46岁）", or "（46岁）" when no relation was recorded.
            let who = if m.relation.trim().is_empty() {
                age.clone()
            } else {
                format!("{}，{age}", m.relation)
            };
            let reason = m
                .exclusion_reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty());
            match (m.counted, reason) {
                (true, _) => {
                    self.step(Section::Members, format!("计入：{}（{who}）", m.name));
                    counted.push(m);
                }
                (false, None) => {
                    self.warn(format!(
                        "{}标记为不计入但未说明理由，已按计入处理。",
                        m.name
                    ));
                    self.step(
                        Section::Members,
                        format!("计入：{}（{}，{age}；不计入缺少理由）", m.name, m.relation),
                    );
                    counted.push(m);
                }
                (false, Some(r)) => {
                    let legal = self
                        .r
                        .member_exclusions
                        .iter()
                        .find(|e| e.code == r || e.name == r);
                    let text = match legal {
                        Some(e) => format!("不计入：{}，{}（{}）", m.name, e.name, e.source),
                        None => format!(
                            "不计入：{}，调查认定“{r}”（不是配置中的法定排除情形，请复核其是否属于共同生活家庭成员，S1第七条）",
                            m.name
                        ),
                    };
                    self.step(Section::Members, text);
                }
            }
        }
        counted
    }

    /// Net income over T of the counted members (and household-level rows), with the exemptions of
    /// `scheme`. Only the 低保 measure is explained row by row.
    fn income(&mut self, scheme: Scheme, counted: &BTreeSet<&str>, explain: bool) -> Tally {
        let t = i64::from(self.t());
        let floor = self.r.income.net_floor;
        let mut by_member_cat: BTreeMap<(Option<String>, &str), Frac> = BTreeMap::new();
        for row in &self.h.income {
            let label = format!(
                "{}·{}（{}）",
                category_zh(&row.category),
                row.item,
                self.name_of(row.member_id.as_deref())
            );
            let member = match row.member_id.as_deref() {
                Some(id) if counted.contains(id) => Some(id.to_string()),
                Some(id) if self.h.members.iter().any(|m| m.id == id) => {
                    if explain {
                        self.step(
                            Section::Income,
                            format!("{label}：该成员不计入，其收入不计。"),
                        );
                    }
                    continue;
                }
                Some(id) => {
                    if explain {
                        self.warn(format!(
                            "收入行“{}”所属成员{id}不在成员名单中，按全户收入计入。",
                            row.item
                        ));
                    }
                    None
                }
                None => None,
            };
            if let Some(why) = self.exemption(row, scheme) {
                if explain {
                    self.step(
                        Section::Exemption,
                        format!("{label} {}：{why}", yuan(row.amount_fen.unwrap_or(0))),
                    );
                }
                continue;
            }
            let p = match row.period_months.filter(|p| *p > 0) {
                Some(p) => i64::from(p),
                None => {
                    if explain {
                        self.warn(format!("收入行“{}”未填期间，按参考期{t}个月计。", row.item));
                    }
                    t
                }
            };
            let gross = row.amount_fen.unwrap_or_else(|| {
                if explain {
                    self.warnings
                        .push(format!("收入行“{}”未填金额，按0计。", row.item));
                }
                0
            });
            let Some(&(category, _)) = CATEGORIES.iter().find(|(k, _)| *k == row.category) else {
                if explain {
                    self.step(
                        Section::Income,
                        format!(
                            "{}（{}）{}：类别“{}”未归类，未计入",
                            row.item,
                            self.name_of(row.member_id.as_deref()),
                            yuan(gross),
                            row.category
                        ),
                    );
                    self.warn(format!(
                        "收入行“{}”类别“{}”无法归类，未计入：请选择工资性、经营净、财产净、转移净或其他收入。",
                        row.item, row.category
                    ));
                }
                continue;
            };
            if explain {
                self.seasonal(row, p);
            }
            let (cost, cost_label) = match (category, self.r.income.employment_cost) {
                ("wage", EmploymentCost::FlatPerMonth) => (
                    self.r
                        .income
                        .employment_cost_flat_fen_per_month
                        .unwrap_or(0)
                        * p,
                    "必要就业成本（定额）",
                ),
                ("wage", EmploymentCost::Declared) => (row.cost_fen.unwrap_or(0), "必要就业成本"),
                ("business", _) => (row.cost_fen.unwrap_or(0), "经营费用、折旧和生产税"),
                ("property", _) => (row.cost_fen.unwrap_or(0), "相关费用"),
                ("transfer", _) => (row.cost_fen.unwrap_or(0), "转移性支出"),
                _ => (row.cost_fen.unwrap_or(0), "费用"),
            };
            let net_p = gross - cost;
            let net_t = Frac::fen(net_p).mul_int(t).div_int(p);
            let counted_value = match floor {
                NetFloor::Row => net_t.max0(),
                NetFloor::MemberCategory => net_t,
            };
            if explain {
                let scaled = if p == t {
                    String::new()
                } else {
                    format!("，{p}个月折合{t}个月为{}", net_t.yuan())
                };
                let floored = if net_t.is_negative() && floor == NetFloor::Row {
                    "；净额为负，按0计（逐项不低于0）"
                } else {
                    ""
                };
                self.step(
                    Section::Income,
                    format!(
                        "{label}：收入{}，减{cost_label}{}，净额{}{scaled}{floored}",
                        yuan(gross),
                        yuan(cost),
                        yuan(net_p)
                    ),
                );
            }
            let e = by_member_cat
                .entry((member, category))
                .or_insert(Frac::ZERO);
            *e = *e + counted_value;
        }
        let mut by_member: BTreeMap<Option<String>, Frac> = BTreeMap::new();
        for ((member, category), v) in by_member_cat {
            if floor == NetFloor::MemberCategory && v.is_negative() && explain {
                self.step(
                    Section::Income,
                    format!(
                        "{}的{}合计{}为负，按0计（按成员分类不低于0）",
                        self.name_of(member.as_deref()),
                        category_zh(category),
                        v.yuan()
                    ),
                );
            }
            let e = by_member.entry(member).or_insert(Frac::ZERO);
            *e = *e + v.max0();
        }
        by_member.retain(|_, v| !v.is_zero());
        Tally { by_member }
    }

    /// Why a row is not counted under `scheme`, or None when it is counted (with the reason a
    /// claimed exemption was refused explained).
    fn exemption(&mut self, row: &IncomeRow, scheme: Scheme) -> Option<String> {
        if row.exempt == Some(false) {
            return None;
        }
        let code = row
            .exempt_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let explain = scheme == Scheme::Dibao;
        let Some(code) = code else {
            if row.exempt == Some(true) && explain {
                self.warn(format!(
                    "收入行“{}”标记为不计入但未填不计入项目代码，已计入。",
                    row.item
                ));
            }
            return None;
        };
        let items: Vec<_> = self
            .r
            .exempt_income
            .iter()
            .filter(|e| e.code == code)
            .collect();
        if let Some(e) = items
            .iter()
            .find(|e| e.schemes.contains(&scheme) && e.in_force(self.on))
        {
            return Some(format!(
                "属于不计入的收入“{}”，不计入（{}）",
                e.name, e.source
            ));
        }
        if explain {
            let why = match items.iter().find(|e| e.schemes.contains(&scheme)) {
                Some(e) => format!(
                    "不计入项目“{}”在{}不在有效期内（{}至{}），已计入",
                    e.name,
                    self.on,
                    e.valid_from.map_or("—".into(), |d| d.to_string()),
                    e.valid_until.map_or("—".into(), |d| d.to_string())
                ),
                None if items.is_empty() => {
                    format!("不计入项目代码“{code}”不在本地区目录中，已计入")
                }
                None => format!("不计入项目代码“{code}”只适用于特困人员收入认定，低保收入已计入"),
            };
            self.step(
                Section::Exemption,
                format!("{}·{}：{why}", category_zh(&row.category), row.item),
            );
        }
        None
    }

    /// 推算收入: an able-bodied member of working age is taken to earn at least the configured
    /// amount, unless a caseworker set another figure.
    fn imputed(&mut self, counted: &[&Member], tally: &Tally) -> Frac {
        let cfg = &self.r.imputed_income;
        if !cfg.enabled {
            self.step(Section::Imputed, "本地区配置未启用推算收入（劳动力系数）。");
            return Frac::ZERO;
        }
        let t = i64::from(self.t());
        let mut total = Frac::ZERO;
        for m in counted {
            let age = self.age(m);
            let applies = age.is_some_and(|a| (cfg.min_age..=cfg.max_age).contains(&a))
                && m.work_capacity == WorkCapacity::Full
                && m.school_stage.is_none();
            let (per_month, who) = match (&m.imputed_override, applies) {
                (Some(o), _) => (
                    o.fen_per_month,
                    format!("（{}人工调整：{}）", o.by, o.reason),
                ),
                (None, true) => (cfg.fen_per_month, String::new()),
                (None, false) => continue,
            };
            let floor = Frac::fen(per_month * t);
            let actual = tally.of(&m.id);
            let add = (floor - actual).max0();
            self.step(
                Section::Imputed,
                format!(
                    "{}：有劳动能力、{}，推算收入每月{}{who}，{t}个月共{}；实际计入{}，补计{}",
                    m.name,
                    age.map_or("年龄不详".into(), |a| format!("{a}岁")),
                    yuan(per_month),
                    floor.yuan(),
                    actual.yuan(),
                    add.yuan()
                ),
            );
            total = total + add;
        }
        total
    }

    /// Σ expenditure rows of `kinds` of counted members scaled to `months`.
    fn expenditure(
        &mut self,
        kinds: &[String],
        counted: &BTreeSet<&str>,
        months: i64,
        section: Section,
    ) -> Frac {
        let rows: Vec<&Expenditure> = self
            .h
            .expenditures
            .iter()
            .filter(|e| kinds.contains(&e.kind))
            .filter(|e| {
                e.member_id.as_deref().is_none_or(|id| {
                    counted.contains(id) || !self.h.members.iter().any(|m| m.id == id)
                })
            })
            .collect();
        let mut total = Frac::ZERO;
        for e in rows {
            let amount = e.amount_fen.unwrap_or(0).max(0);
            let p = i64::from(e.period_months.filter(|p| *p > 0).unwrap_or(months as u32));
            let scaled = Frac::fen(amount).mul_int(months).div_int(p);
            self.step(
                section,
                format!(
                    "{}支出（{}）{}：{p}个月{}，折合{months}个月{}",
                    expense_zh(&e.kind),
                    self.name_of(e.member_id.as_deref()),
                    e.note.as_deref().unwrap_or(""),
                    yuan(amount),
                    scaled.yuan()
                ),
            );
            total = total + scaled;
        }
        total
    }

    /// 因残疾、患重病等增加的刚性支出 deducted from income (S1 Art. 13, last paragraph).
    fn deduction(&mut self, counted: &BTreeSet<&str>) -> Frac {
        let d = &self.r.rigid_deduction;
        if d.kinds.is_empty() {
            self.step(Section::Deduction, "本地区配置未设刚性支出扣减。");
            return Frac::ZERO;
        }
        let t = i64::from(self.t());
        let sum = self.expenditure(&d.kinds, counted, t, Section::Deduction);
        let r = sum * d.ratio.frac();
        self.step(
            Section::Deduction,
            format!(
                "可扣减支出合计{} × 扣减比例{} = {}",
                sum.yuan(),
                d.ratio,
                r.yuan()
            ),
        );
        r
    }

    /// A seasonal wage counted over the months worked is scaled up to the whole reference period,
    /// which is right only if the same pay continued in the other months: say so.
    fn seasonal(&mut self, row: &IncomeRow, p: i64) {
        let t = i64::from(self.t());
        let worked = row.detail.months_worked.map(i64::from);
        if p < t && worked.is_some_and(|w| w <= p) {
            self.warn(format!(
                "收入行“{}”是{}个月的季节性收入，填写的期间为{p}个月，已按{p}个月折合参考期{t}个月计算（放大{:.2}倍）；若参考期内其余月份没有这项收入，期间应填{t}个月。",
                row.item,
                worked.unwrap_or(p),
                t as f64 / p as f64
            ));
        }
    }

    /// Whether the household's property passes `limits`; each check is explained.
    fn property_test(&mut self, scheme: &str, limits: &PropertyLimits, n: i64) -> bool {
        let h = self.h;
        let s = self.standard();
        let counted_owner = |r: &&crate::schema::PropertyRow| {
            r.owner_member_id.as_deref().is_none_or(|id| {
                h.members
                    .iter()
                    .find(|m| m.id == id)
                    .is_none_or(|m| m.counted)
            })
        };
        let rows: Vec<_> = h
            .property
            .iter()
            .filter(counted_owner)
            .filter(|r| {
                r.exempt_reason
                    .as_deref()
                    .is_none_or(|x| x.trim().is_empty())
            })
            .collect();
        if scheme == "低保" {
            for r in h.property.iter().filter(|r| !counted_owner(r)) {
                self.step(
                    Section::Property,
                    format!("{}：属不计入成员，不计。", r.description),
                );
            }
            for r in h.property.iter().filter(|r| {
                r.exempt_reason
                    .as_deref()
                    .is_some_and(|x| !x.trim().is_empty())
            }) {
                self.step(
                    Section::Property,
                    format!(
                        "{}：维持生产生活必需的财产，不计入（{}，S1第十四条）",
                        r.description,
                        r.exempt_reason.as_deref().unwrap_or("")
                    ),
                );
            }
            for r in rows.iter().filter(|r| {
                r.value_fen.is_none()
                    && !matches!(vocab::property_class(&r.kind), Some("house") | None)
            }) {
                self.warn(format!("财产“{}”未填价值，按0计，请核实。", r.description));
            }
            for r in rows
                .iter()
                .filter(|r| vocab::property_class(&r.kind).is_none())
            {
                self.step(
                    Section::Property,
                    format!(
                        "{}（类别“{}”{}）：未归类，未计入",
                        r.description,
                        vocab::label("property_kind", &r.kind),
                        r.value_fen
                            .map_or(String::new(), |v| format!("，价值{}", yuan(v)))
                    ),
                );
                self.warn(format!(
                    "财产“{}”未归类，未计入任何财产限额：请选择具体类别（余额宝、理财通等属于互联网金融资产，计入金融资产）。",
                    r.description
                ));
            }
        }
        let of_class = |class: &'static str| {
            rows.iter()
                .filter(move |r| vocab::property_class(&r.kind) == Some(class))
        };
        let value = |class: &'static str| -> i64 {
            of_class(class).map(|r| r.value_fen.unwrap_or(0)).sum()
        };
        let mut checks: Vec<(bool, String)> = Vec::new();
        if let Some(k) = limits.financial_assets_standard_months_per_capita {
            let total = value("financial");
            let limit = i64::from(k) * s;
            checks.push((
                total <= limit * n,
                format!(
                    "存款等金融资产人均{}，限额{k}个月标准即{}",
                    Frac::fen(total).div_int(n).yuan(),
                    yuan(limit)
                ),
            ));
        }
        if let Some(max) = limits.max_vehicles {
            let from = limits.vehicle_counted_from_fen.unwrap_or(0);
            let count: u32 = of_class("vehicle")
                .filter(|r| {
                    r.value_fen.unwrap_or(0) >= from
                        && r.usage.as_deref() != Some("disabled_mobility")
                })
                .map(|r| r.quantity.map_or(1, |q| q.round().max(1.0) as u32))
                .sum();
            checks.push((
                count <= max,
                format!("计入车辆{count}辆（价值{}以上计入），限{max}辆", yuan(from)),
            ));
        }
        let houses: Vec<_> = of_class("house").collect();
        if let Some(max) = limits.max_houses {
            let count = houses.len() as u32;
            checks.push((count <= max, format!("住房{count}套，限{max}套")));
        }
        if let Some(max) = limits.max_housing_m2_per_capita {
            let is_m2 = |u: &Option<String>| {
                u.as_deref()
                    .is_some_and(|u| ["m2", "m²", "㎡", "平方米"].contains(&u.trim()))
            };
            // Whole hundredths of a square metre, so the sum does not depend on row order.
            let area = |r: &&&crate::schema::PropertyRow| {
                r.area_m2
                    .or_else(|| r.quantity.filter(|_| is_m2(&r.unit)))
                    .unwrap_or(0.0)
            };
            let centi: i64 = houses
                .iter()
                .map(|r| (area(r) * 100.0).round() as i64)
                .sum();
            checks.push((
                centi <= i64::from(max) * 100 * n,
                format!(
                    "住房面积人均{:.2}平方米，限{max}平方米",
                    centi as f64 / 100.0 / n as f64
                ),
            ));
        }
        if let Some(max) = limits.max_business_value_fen {
            let top = of_class("business").map(|r| r.value_fen.unwrap_or(0)).max();
            if let Some(top) = top {
                checks.push((
                    top <= max,
                    format!("市场主体/股权最高价值{}，限{}", yuan(top), yuan(max)),
                ));
            }
        }
        if let Some(max) = limits.max_machinery_value_fen {
            let total = value("machinery");
            checks.push((
                total <= max,
                format!("大型农牧机械{}，限{}", yuan(total), yuan(max)),
            ));
        }
        if let Some(max) = limits.max_livestock_value_fen_per_capita {
            let total = value("livestock");
            checks.push((
                total <= max * n,
                format!(
                    "牲畜价值人均{}，限{}",
                    Frac::fen(total).div_int(n).yuan(),
                    yuan(max)
                ),
            ));
        }
        let pass = checks.iter().all(|(ok, _)| *ok);
        let detail: Vec<String> = checks
            .iter()
            .map(|(ok, text)| format!("{text}（{}）", if *ok { "符合" } else { "超限" }))
            .collect();
        let detail = if detail.is_empty() {
            "本地区未设限制".to_string()
        } else {
            detail.join("；")
        };
        self.step(
            Section::Property,
            format!(
                "{scheme}财产条件：{}。{detail}",
                if pass { "符合" } else { "不符合" }
            ),
        );
        pass
    }

    fn person_types(&self, m: &Member) -> BTreeSet<PersonType> {
        let pt = &self.r.person_types;
        let mut out = BTreeSet::new();
        if let Some(a) = self.age(m) {
            if a >= pt.elderly_age {
                out.insert(PersonType::Elderly);
            }
            if a < pt.minor_age_below {
                out.insert(PersonType::Minor);
            }
        }
        if disability_matches(&pt.severe_disability, m) {
            out.insert(PersonType::SevereDisability);
        }
        if m.major_illness {
            out.insert(PersonType::MajorIllness);
        }
        out
    }

    fn dibao(&mut self, counted: &[&Member], y: i64, property_ok: bool) -> Outcome {
        let s = self.standard();
        let n = counted.len() as i64;
        let income_ok = y < s;
        self.step(
            Section::Dibao,
            format!(
                "月人均收入{} {} 低保标准{}（须低于标准，S3第九条）：收入条件{}",
                yuan(y),
                if income_ok { "<" } else { "≥" },
                yuan(s),
                if income_ok { "符合" } else { "不符合" }
            ),
        );
        if !(income_ok && property_ok) {
            let why = match (income_ok, property_ok) {
                (false, false) => "收入和财产均不符合",
                (false, true) => "月人均收入不低于低保标准",
                _ => "财产状况超过限额",
            };
            return Outcome::not_proposed(format!("{why}。"));
        }
        let d = &self.r.dibao;
        let base = match d.mode {
            BenefitMode::Gap => {
                let b = (s - y) * n;
                self.step(
                    Section::Dibao,
                    format!("补差：（{} − {}）× {n}人 = {}", yuan(s), yuan(y), yuan(b)),
                );
                b
            }
            BenefitMode::Tiered => {
                let mut b = 0;
                for m in counted {
                    let types = self.person_types(m);
                    let tier = d.tiers.iter().find(|t| {
                        t.person_types
                            .as_ref()
                            .is_none_or(|ts| ts.iter().any(|x| types.contains(x)))
                            && t.below_standard_ratio
                                .is_none_or(|r| Frac::fen(y) < r.frac().mul_int(s))
                    });
                    let text = match tier {
                        Some(t) => {
                            b += t.fen_per_month;
                            format!(
                                "分档：{}适用“{}”，{}",
                                m.name,
                                t.name,
                                yuan(t.fen_per_month)
                            )
                        }
                        None => format!("分档：{}不适用任何档次，0元", m.name),
                    };
                    self.step(Section::Dibao, text);
                }
                b
            }
        };
        let min = d.minimum_fen_per_person * n;
        let mut base_adj = base.max(min);
        if base_adj != base {
            self.step(
                Section::Dibao,
                format!(
                    "低于最低发放额每人{}，按{}",
                    yuan(d.minimum_fen_per_person),
                    yuan(base_adj)
                ),
            );
        }
        if let Some(max) = d.maximum_fen_per_person.map(|m| m * n)
            && base_adj > max
        {
            base_adj = max;
            self.step(Section::Dibao, format!("超过最高发放额，按{}", yuan(max)));
        }
        let mut supplements = 0;
        for m in counted {
            let types = self.person_types(m);
            let amounts: Vec<(PersonType, i64)> = d
                .supplements
                .iter()
                .filter(|x| types.contains(&x.person_type))
                .map(|x| {
                    let a = match self.h.area {
                        Area::Urban => x.urban_fen_per_month,
                        Area::Rural => x.rural_fen_per_month,
                    };
                    (x.person_type, a)
                })
                .collect();
            let amount = match d.supplement_stacking {
                Stacking::Highest => amounts.iter().map(|(_, a)| *a).max().unwrap_or(0),
                Stacking::Sum => amounts.iter().map(|(_, a)| *a).sum(),
            };
            if amount > 0 {
                let kinds: Vec<&str> = amounts.iter().map(|(t, _)| t.zh()).collect();
                self.step(
                    Section::Dibao,
                    format!(
                        "分类施保：{}（{}）每月加发{}{}",
                        m.name,
                        kinds.join("、"),
                        yuan(amount),
                        if amounts.len() > 1 && d.supplement_stacking == Stacking::Highest {
                            "（就高不叠加）"
                        } else {
                            ""
                        }
                    ),
                );
            }
            supplements += amount;
        }
        let total = base_adj + supplements;
        let rounded = round_to_unit(total, d.round_to_fen, d.rounding);
        self.step(
            Section::Dibao,
            format!(
                "每月合计{} + {} = {}，按{}的整数倍“{}”：{}",
                yuan(base_adj),
                yuan(supplements),
                yuan(total),
                yuan(d.round_to_fen),
                d.rounding.zh(),
                yuan(rounded)
            ),
        );
        Outcome {
            proposed: true,
            amount_fen: Some(rounded),
            summary: "收入和财产均符合；自审核确认次月起发放（S1第二十一条）。".to_string(),
        }
    }

    fn edge(&mut self, y: i64, dibao: bool, n: i64) -> Outcome {
        if dibao {
            return Outcome::not_proposed("已符合低保条件。");
        }
        let s = self.standard();
        let ratio = self.r.edge.income_ratio;
        let limit = ratio.frac().mul_int(s);
        let income_ok = Frac::fen(y) < limit;
        self.step(
            Section::Edge,
            format!(
                "月人均收入{} {} 低保标准的{ratio}倍{}：收入条件{}",
                yuan(y),
                if income_ok { "<" } else { "≥" },
                limit.yuan(),
                if income_ok { "符合" } else { "不符合" }
            ),
        );
        let property_ok = self.property_test("低保边缘", &self.r.property.edge, n);
        match (income_ok, property_ok) {
            (true, true) => Outcome {
                proposed: true,
                amount_fen: None,
                summary: "不符合低保，但收入低于边缘标准且财产符合（S1第八条、S7）。".into(),
            },
            (false, _) => Outcome::not_proposed("月人均收入不低于边缘标准。"),
            (true, false) => Outcome::not_proposed("财产状况超过边缘家庭限额。"),
        }
    }

    fn phase_out(&mut self, current: i64, income_ok: bool, property_ok: bool) -> Outcome {
        let cfg = &self.r.phase_out;
        let stop = |why: &str| {
            Outcome::not_proposed(format!(
                "{why}建议按程序减发或停发，并书面说明理由（S1第三十二条）。"
            ))
        };
        if income_ok || !property_ok {
            return stop("不符合低保并非因收入超标，不适用渐退；");
        }
        let Some(started) = self.h.employment_started_on else {
            return stop("收入超过标准，但没有成员就业起始日期，不适用渐退；");
        };
        if cfg.months == 0 {
            return stop("本地区未设渐退期；");
        }
        let elapsed = started.months_until(self.on);
        self.step(
            Section::PhaseOut,
            format!(
                "成员自{started}就业，至{}已满{elapsed}个月；渐退期{}个月（S1第三十三条）",
                self.on, cfg.months
            ),
        );
        if elapsed >= cfg.months {
            return stop("渐退期已满，");
        }
        let d = &self.r.dibao;
        let amount = round_to_unit(
            (Frac::fen(current) * cfg.amount_ratio.frac()).round(d.rounding),
            d.round_to_fen,
            d.rounding,
        );
        self.step(
            Section::PhaseOut,
            format!(
                "渐退期内按现发放额{} × {} = {}发放",
                yuan(current),
                cfg.amount_ratio,
                yuan(amount)
            ),
        );
        Outcome {
            proposed: true,
            amount_fen: Some(amount),
            summary: format!(
                "就业后收入超过标准，渐退期还剩{}个月。",
                cfg.months - elapsed
            ),
        }
    }

    fn tekun(&mut self, counted: &[&Member], ids: &BTreeSet<&str>) -> Vec<MemberOutcome> {
        let tally = self.income(Scheme::Tekun, ids, false);
        let shared = tally.by_member.get(&None).copied().unwrap_or(Frac::ZERO);
        let n = counted.len() as i64;
        let t = i64::from(self.t());
        let s = self.standard();
        let property_ok = self.property_test("特困", &self.r.property.tekun, n);
        let supporters = self.supporters();
        let mut out = Vec::new();
        for m in counted {
            let cfg = &self.r.tekun;
            let age = self.age(m);
            let mut grounds = Vec::new();
            if let Some(a) = age {
                if a >= cfg.elderly_age {
                    grounds.push(format!("年满{}周岁", cfg.elderly_age));
                }
                if a < cfg.minor_age_below {
                    grounds.push(format!("未满{}周岁", cfg.minor_age_below));
                } else if cfg.in_school_extends
                    && matches!(
                        m.school_stage,
                        Some(
                            SchoolStage::Compulsory
                                | SchoolStage::HighSchool
                                | SchoolStage::Vocational
                        )
                    )
                {
                    grounds.push(
                        "年满18周岁仍在义务教育、普通高中或中等职业学校就读（S2第二十四条）".into(),
                    );
                }
            }
            if disability_matches(&cfg.no_work_capacity_disabilities, m) {
                let d = m.disability.expect("matched a disability");
                grounds.push(format!("{}残疾{}级", d.kind.zh(), d.grade));
            }
            if cfg.accept_assessed_no_work_capacity && m.work_capacity == WorkCapacity::None {
                grounds.push("经认定完全丧失劳动能力".into());
            }
            let capacity_ok = !grounds.is_empty();
            let own = tally.of(&m.id) + shared.div_int(n);
            let monthly = own.div_int(t).round(self.r.income.per_capita_rounding);
            let income_ok = monthly < s;
            self.step(
                Section::Tekun,
                format!(
                    "{}：无劳动能力{}；本人月收入{}（特困另不计入基础养老金、医疗保险、高龄津贴等，含全户收入均摊）{}低保标准{}",
                    m.name,
                    if capacity_ok { format!("（{}）", grounds.join("、")) } else { "：不符合（年龄、残疾等均不满足，S2第五条）".into() },
                    yuan(monthly),
                    if income_ok { "<" } else { "≥" },
                    yuan(s)
                ),
            );
            let outcome = if capacity_ok && income_ok && property_ok && supporters {
                let basic = match self.h.area {
                    Area::Urban => cfg.basic_living_urban_fen_per_month,
                    Area::Rural => cfg.basic_living_rural_fen_per_month,
                };
                let (tier, care) = match m.self_care_unable_items {
                    None => {
                        self.warn(format!(
                            "{}未做生活自理能力评估，照料护理标准暂按0计（S2第二十一条）。",
                            m.name
                        ));
                        ("未评估", 0)
                    }
                    Some(0) => ("具备生活自理能力", cfg.care_capable_fen_per_month),
                    Some(1..=3) => ("部分丧失生活自理能力", cfg.care_partly_lost_fen_per_month),
                    Some(_) => ("完全丧失生活自理能力", cfg.care_fully_lost_fen_per_month),
                };
                let total = basic + care;
                self.step(
                    Section::Tekun,
                    format!(
                        "{}：基本生活标准{} + 照料护理标准（{tier}）{} = {}",
                        m.name,
                        yuan(basic),
                        yuan(care),
                        yuan(total)
                    ),
                );
                Outcome {
                    proposed: true,
                    amount_fen: Some(total),
                    summary: "无劳动能力、无生活来源、无履行能力的法定义务人（S2第四条）。".into(),
                }
            } else {
                let mut why = Vec::new();
                if !capacity_ok {
                    why.push("不属于无劳动能力");
                }
                if !income_ok {
                    why.push("本人收入不低于低保标准");
                }
                if !property_ok {
                    why.push("财产超过特困限额");
                }
                if !supporters {
                    why.push("有或未核实法定义务人履行能力");
                }
                Outcome::not_proposed(format!("{}。", why.join("；")))
            };
            out.push(MemberOutcome {
                member_id: m.id.clone(),
                name: m.name.clone(),
                outcome,
            });
        }
        out
    }

    /// 单人保 (S1 Art. 8; S6 §一(一)): a seriously ill or severely disabled member of a 低保边缘
    /// household is assessed as a household of one, with their own income and property.
    fn single_person(
        &mut self,
        config: &RegionConfig,
        sp: &super::household::SinglePerson,
        counted: &[&Member],
        p: &Proposal,
    ) -> MemberOutcome {
        let Some(m) = counted.iter().find(|m| m.id == sp.member_id).copied() else {
            return MemberOutcome {
                member_id: sp.member_id.clone(),
                name: self.name_of(Some(&sp.member_id)),
                outcome: Outcome::not_proposed(
                    "单人保所指成员不在计入的共同生活家庭成员中，请核对。",
                ),
            };
        };
        let done = |o: Outcome| MemberOutcome {
            member_id: m.id.clone(),
            name: m.name.clone(),
            outcome: o,
        };
        let ground = vocab::label("single_person_condition", &sp.condition).to_string();
        let condition_ok = match sp.condition.as_str() {
            "severe_disability" => m.disability.is_some_and(|d| {
                d.grade <= 2
                    || (d.grade == 3
                        && matches!(
                            d.kind,
                            DisabilityKind::Intellectual | DisabilityKind::Mental
                        ))
            }),
            "major_illness" => m.major_illness,
            "clergy" | "other" => true,
            _ => false,
        };
        self.step(
            Section::SinglePerson,
            format!(
                "{}申请单人保，情形：{}；{}",
                m.name,
                if ground.is_empty() {
                    "未填写"
                } else {
                    &ground
                },
                match (condition_ok, sp.condition.as_str()) {
                    (true, "clergy" | "other") => "按调查记录认定，须附证明材料".to_string(),
                    (true, _) => "成员信息（残疾类别等级、健康状况）相符".to_string(),
                    (false, _) =>
                        "成员信息不符合该情形（核对残疾类别、等级或重病情况）".to_string(),
                }
            ),
        );
        if !condition_ok {
            return done(Outcome::not_proposed(
                "不符合单人保的重病、重残等情形（S1第八条）。",
            ));
        }
        if p.dibao.proposed {
            return done(Outcome::not_proposed("全户已符合低保条件，无需单人保。"));
        }
        if !p.edge.proposed {
            return done(Outcome::not_proposed(
                "单人保限于低保边缘家庭中的重病、重残等人员（S1第八条），本户不符合低保边缘条件。",
            ));
        }
        let own = |id: &Option<String>| id.as_deref() == Some(m.id.as_str());
        let single = Household {
            case_no: self.h.case_no.clone(),
            case_type: match self.h.area {
                Area::Urban => "urban_dibao",
                Area::Rural => "rural_dibao",
            }
            .into(),
            source: self.h.source.clone(),
            area: self.h.area,
            members: vec![m.clone()],
            income: self
                .h
                .income
                .iter()
                .filter(|r| own(&r.member_id))
                .cloned()
                .collect(),
            property: self
                .h
                .property
                .iter()
                .filter(|r| own(&r.owner_member_id))
                .cloned()
                .collect(),
            expenditures: self
                .h
                .expenditures
                .iter()
                .filter(|r| own(&r.member_id))
                .cloned()
                .collect(),
            ..Default::default()
        };
        let alone = match assess(config, &single, self.on) {
            Ok(alone) => alone,
            Err(e) => return done(Outcome::not_proposed(format!("单人户测算失败：{e}"))),
        };
        for s in alone.steps.iter().filter(|s| {
            matches!(
                s.section,
                Section::Income
                    | Section::Exemption
                    | Section::PerCapita
                    | Section::Property
                    | Section::Dibao
            )
        }) {
            self.step(Section::SinglePerson, format!("单人户·{}", s.text));
        }
        self.warnings
            .extend(alone.warnings.iter().map(|w| format!("单人户：{w}")));
        done(Outcome {
            summary: format!("按单人户测算（S1第八条）：{}", alone.dibao.summary),
            ..alone.dibao
        })
    }

    /// 无法定义务人 or none able to provide (S2 Art. 8 lists who counts as unable).
    fn supporters(&mut self) -> bool {
        if self.h.supporters.is_empty() {
            self.step(
                Section::Tekun,
                "未登记法定赡养、抚养、扶养义务人：须核实确无义务人。",
            );
            return true;
        }
        let mut ok = true;
        for s in &self.h.supporters {
            let (state, pass) = match s.able_to_support {
                Some(false) => ("无履行能力", true),
                Some(true) => ("有履行能力", false),
                None => ("履行能力未核实", false),
            };
            ok &= pass;
            self.step(
                Section::Tekun,
                format!(
                    "法定义务人{}（{}）：{state}{}",
                    s.name,
                    s.relation,
                    s.reason
                        .as_deref()
                        .map_or(String::new(), |r| format!("，{r}"))
                ),
            );
        }
        ok
    }

    fn rigid_expense(
        &mut self,
        ids: &BTreeSet<&str>,
        income_12: Frac,
        annual_pc: i64,
        n: i64,
    ) -> Outcome {
        let cfg = &self.r.rigid_expense;
        let prev = self.prev_income();
        let expense = self.expenditure(&cfg.kinds, ids, 12, Section::RigidExpense);
        let income_ok = annual_pc < prev;
        let share_ok = expense > cfg.expense_ratio.frac() * income_12;
        self.step(
            Section::RigidExpense,
            format!(
                "年人均收入{}（扣减前）{} 上年度居民人均可支配收入{}；12个月刚性支出{}，家庭年收入{}，支出须超过收入的{}倍：{}",
                yuan(annual_pc),
                if income_ok { "<" } else { "≥" },
                yuan(prev),
                expense.yuan(),
                income_12.yuan(),
                cfg.expense_ratio,
                if share_ok { "符合" } else { "不符合" }
            ),
        );
        let limits = self
            .r
            .property
            .rigid_expense
            .as_ref()
            .unwrap_or(&self.r.property.edge);
        let property_ok = self.property_test("刚性支出困难", limits, n);
        if income_ok && share_ok && property_ok {
            Outcome {
                proposed: true,
                amount_fen: None,
                summary: "可认定为刚性支出困难家庭，有效期不超过12个月（S8第四条、第十条）。"
                    .into(),
            }
        } else {
            Outcome::not_proposed(match (income_ok, share_ok) {
                (false, _) => "年人均收入不低于上年度居民人均可支配收入。",
                (_, false) => "刚性支出占家庭收入的比例未超过规定比例。",
                _ => "财产状况超过限额。",
            })
        }
    }

    fn temporary(
        &mut self,
        ids: &BTreeSet<&str>,
        income_12: Frac,
        annual_pc: i64,
        n: i64,
    ) -> Outcome {
        let cfg = &self.r.temporary;
        let prev = self.prev_income();
        let expense = self.expenditure(&cfg.expense_kinds, ids, 12, Section::Temporary);
        let income_ok = annual_pc < prev;
        self.step(
            Section::Temporary,
            format!(
                "年人均可支配收入{} {} 上年度居民人均可支配收入{}（S9）",
                yuan(annual_pc),
                if income_ok { "<" } else { "≥" },
                yuan(prev)
            ),
        );
        let limits = self
            .r
            .property
            .temporary
            .as_ref()
            .unwrap_or(&self.r.property.edge);
        let property_ok = self.property_test("临时救助", limits, n);
        if !(income_ok && property_ok) || expense.is_zero() {
            return Outcome::not_proposed(if expense.is_zero() {
                "没有登记的突发教育、医疗等支出。"
            } else if !income_ok {
                "年人均可支配收入不低于上年度居民人均可支配收入。"
            } else {
                "财产状况超过限额。"
            });
        }
        // The heaviest tier whose burden threshold the expenditure reaches.
        let tier = cfg
            .tiers
            .iter()
            .filter(|t| income_12.is_zero() || expense >= t.min_burden_ratio.frac() * income_12)
            .max_by_key(|t| t.min_burden_ratio.frac());
        let Some(tier) = tier else {
            return Outcome::not_proposed("支出负担未达到任何救助档次。");
        };
        let by_standard = self.standard() * n * i64::from(tier.standard_months);
        let expense_fen = expense.round(super::money::Rounding::Down);
        let amount = by_standard.min(expense_fen);
        self.step(
            Section::Temporary,
            format!(
                "支出达到家庭年收入的{}倍档：低保标准 × {n}人 × {}个月 = {}，不超过实际支出{}：{}",
                tier.min_burden_ratio,
                tier.standard_months,
                yuan(by_standard),
                yuan(expense_fen),
                yuan(amount)
            ),
        );
        let approval = if amount > cfg.township_approval_cap_fen {
            format!(
                "超过乡镇审批额度{}，须报旗县民政部门审批（重大个案可一事一议，S9第二部分）。",
                yuan(cfg.township_approval_cap_fen)
            )
        } else {
            "在乡镇审批额度内。".into()
        };
        Outcome {
            proposed: true,
            amount_fen: Some(amount),
            summary: approval,
        }
    }
}
