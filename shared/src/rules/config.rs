//! Regional configuration: one TOML file per region holding dated, versioned rule sets with every
//! local parameter of domain §5 (the national rules leave them to the province, city or banner).
//! `RegionConfig::from_toml` parses and validates; every error names the key to fix.

use super::date::Date;
use super::money::{Ratio, Rounding};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the region file is not valid TOML or misses/misspells a key: {0}")]
    Parse(String),
    #[error("`{key}`: {problem}")]
    Invalid { key: String, problem: String },
    #[error(
        "no rule set of region `{region}` is in force on {date}: add a `[[versions]]` entry whose valid_from/valid_until cover that date"
    )]
    NoVersion { region: String, date: Date },
}

fn invalid(key: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        problem: problem.into(),
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionConfig {
    /// Short identifier, e.g. `example` or a banner code.
    pub region: String,
    pub name: String,
    pub versions: Vec<RuleSet>,
}

/// One version of the rules, in force from `valid_from` to `valid_until` (both inclusive).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub version: String,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub standards: Standards,
    pub income: IncomeRules,
    pub imputed_income: ImputedIncome,
    pub rigid_deduction: RigidDeduction,
    pub exempt_income: Vec<ExemptItem>,
    pub member_exclusions: Vec<MemberExclusion>,
    pub person_types: PersonTypes,
    pub dibao: DibaoBenefit,
    pub edge: EdgeRules,
    pub rigid_expense: RigidExpenseRules,
    pub tekun: TekunRules,
    pub phase_out: PhaseOut,
    pub temporary: TemporaryRules,
    pub property: PropertyRules,
}

/// Amounts per person per month (fen) unless named per year.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standards {
    pub urban_dibao_fen: i64,
    pub rural_dibao_fen: i64,
    /// 上年度居民人均可支配收入 (per person per year), for 刚性支出困难 and 支出型临时救助.
    pub urban_prev_disposable_income_fen_per_year: i64,
    pub rural_prev_disposable_income_fen_per_year: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetFloor {
    /// Each income row's net is floored at 0 (a loss on one line offsets nothing).
    Row,
    /// The net of each member's category is floored at 0 (a business loss offsets business income).
    MemberCategory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentCost {
    /// The cost written on the wage row.
    Declared,
    /// A flat amount per month of the row's period, whatever was declared.
    FlatPerMonth,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeRules {
    /// T: the months of income that are counted.
    pub reference_period_months: u32,
    /// How the per-capita monthly income is rounded to the fen.
    pub per_capita_rounding: Rounding,
    pub net_floor: NetFloor,
    pub employment_cost: EmploymentCost,
    pub employment_cost_flat_fen_per_month: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImputedIncome {
    pub enabled: bool,
    /// Income a member who can work is taken to have at least (per month).
    pub fen_per_month: i64,
    pub min_age: u32,
    pub max_age: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RigidDeduction {
    /// Expenditure kinds deducted from income (empty: no deduction).
    pub kinds: Vec<String>,
    /// Share of those expenditures that is deducted.
    pub ratio: Ratio,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    Dibao,
    Tekun,
}

/// An income item that is not counted. `schemes` says for which income measure (低保, also used
/// for 边缘/刚性支出/临时救助; or 特困, which exempts more).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExemptItem {
    pub code: String,
    pub name: String,
    pub source: String,
    pub schemes: Vec<Scheme>,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
}

impl ExemptItem {
    pub fn in_force(&self, on: Date) -> bool {
        self.valid_from.is_none_or(|f| f <= on) && self.valid_until.is_none_or(|u| on <= u)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberExclusion {
    pub code: String,
    pub name: String,
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DisabilityKind {
    Visual,
    Hearing,
    Speech,
    Physical,
    Intellectual,
    Mental,
    Multiple,
}

impl DisabilityKind {
    pub fn zh(self) -> &'static str {
        match self {
            DisabilityKind::Visual => "视力",
            DisabilityKind::Hearing => "听力",
            DisabilityKind::Speech => "言语",
            DisabilityKind::Physical => "肢体",
            DisabilityKind::Intellectual => "智力",
            DisabilityKind::Mental => "精神",
            DisabilityKind::Multiple => "多重",
        }
    }
}

/// A disability of `kind` (any kind when absent) with a grade of `max_grade` or more severe
/// (grade 1 is the most severe).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisabilityRule {
    pub kind: Option<DisabilityKind>,
    pub max_grade: u8,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonTypes {
    /// 老年人: this age or older.
    pub elderly_age: u32,
    /// 未成年人: younger than this.
    pub minor_age_below: u32,
    /// 重度残疾.
    pub severe_disability: Vec<DisabilityRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonType {
    Elderly,
    Minor,
    SevereDisability,
    MajorIllness,
}

impl PersonType {
    pub fn zh(self) -> &'static str {
        match self {
            PersonType::Elderly => "老年人",
            PersonType::Minor => "未成年人",
            PersonType::SevereDisability => "重度残疾人",
            PersonType::MajorIllness => "重病患者",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenefitMode {
    /// 补差: (standard − per-capita income) × members.
    Gap,
    /// 分档: each member's tier amount.
    Tiered,
}

/// A member gets the amount of the first tier (in file order) whose conditions all hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub name: String,
    /// The member is one of these types (absent: anyone).
    pub person_types: Option<Vec<PersonType>>,
    /// The household's per-capita income is below this share of the standard (absent: any).
    pub below_standard_ratio: Option<Ratio>,
    pub fen_per_month: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Supplement {
    pub person_type: PersonType,
    pub urban_fen_per_month: i64,
    pub rural_fen_per_month: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stacking {
    /// A member of several types gets the highest supplement.
    Highest,
    /// … or all of them.
    Sum,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DibaoBenefit {
    pub mode: BenefitMode,
    #[serde(default)]
    pub tiers: Vec<Tier>,
    pub supplements: Vec<Supplement>,
    pub supplement_stacking: Stacking,
    /// The basic amount is at least this per counted member.
    pub minimum_fen_per_person: i64,
    /// … and at most this per counted member (absent: no cap).
    pub maximum_fen_per_person: Option<i64>,
    /// The monthly total is rounded to a multiple of this (1 = fen, 100 = yuan).
    pub round_to_fen: i64,
    pub rounding: Rounding,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeRules {
    /// 低保边缘: per-capita income below this multiple of the standard.
    pub income_ratio: Ratio,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RigidExpenseRules {
    /// r: rigid expenditure over 12 months must exceed this share of the household's income.
    pub expense_ratio: Ratio,
    /// Expenditure kinds that count as rigid.
    pub kinds: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TekunRules {
    pub elderly_age: u32,
    pub minor_age_below: u32,
    /// Support continues past `minor_age_below` while in compulsory, senior-high or vocational school.
    pub in_school_extends: bool,
    pub no_work_capacity_disabilities: Vec<DisabilityRule>,
    /// A member assessed as 完全丧失劳动能力 counts as unable to work (a province-set case).
    pub accept_assessed_no_work_capacity: bool,
    pub basic_living_urban_fen_per_month: i64,
    pub basic_living_rural_fen_per_month: i64,
    pub care_capable_fen_per_month: i64,
    pub care_partly_lost_fen_per_month: i64,
    pub care_fully_lost_fen_per_month: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseOut {
    /// g: months benefits continue after a member finds work (0 = no phase-out).
    pub months: u32,
    /// Share of the current benefit paid during the phase-out.
    pub amount_ratio: Ratio,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemporaryTier {
    /// Expenditure over 12 months at least this share of the household's income.
    pub min_burden_ratio: Ratio,
    /// Amount = this many months of the standard × members (never more than the expenditure).
    pub standard_months: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemporaryRules {
    pub expense_kinds: Vec<String>,
    pub tiers: Vec<TemporaryTier>,
    /// Above this the township may not approve alone (县级审批).
    pub township_approval_cap_fen: i64,
}

/// Limits of one property test; an absent key sets no limit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertyLimits {
    /// Deposits, securities, insurance cash value and claims per member ≤ this many months of the standard.
    pub financial_assets_standard_months_per_capita: Option<u32>,
    /// Vehicles (not exempt, valued at or above `vehicle_counted_from_fen`) allowed.
    pub max_vehicles: Option<u32>,
    pub vehicle_counted_from_fen: Option<i64>,
    pub max_houses: Option<u32>,
    pub max_housing_m2_per_capita: Option<u32>,
    /// Any one registered business (市场主体) or shareholding valued above this fails.
    pub max_business_value_fen: Option<i64>,
    pub max_machinery_value_fen: Option<i64>,
    pub max_livestock_value_fen_per_capita: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertyRules {
    pub dibao: PropertyLimits,
    pub edge: PropertyLimits,
    pub tekun: PropertyLimits,
    /// Absent: the edge limits are reused (S8 Art. 4 allows it).
    pub rigid_expense: Option<PropertyLimits>,
    pub temporary: Option<PropertyLimits>,
}

/// The national cap on the phase-out period (S1 Art. 33: 原则上不超过6个月).
pub const PHASE_OUT_MAX_MONTHS: u32 = 6;

impl RegionConfig {
    pub fn from_toml(text: &str) -> Result<RegionConfig, ConfigError> {
        let cfg: RegionConfig =
            toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The rule set in force on `date`.
    pub fn version_on(&self, date: Date) -> Result<&RuleSet, ConfigError> {
        self.versions
            .iter()
            .find(|v| v.valid_from <= date && v.valid_until.is_none_or(|u| date <= u))
            .ok_or_else(|| ConfigError::NoVersion {
                region: self.region.clone(),
                date,
            })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.region.trim().is_empty() {
            return Err(invalid("region", "must not be empty"));
        }
        if self.versions.is_empty() {
            return Err(invalid(
                "versions",
                "no rule set: add at least one `[[versions]]` table",
            ));
        }
        for (i, v) in self.versions.iter().enumerate() {
            v.validate(&format!("versions[{i}]"))?;
        }
        let mut sorted: Vec<(usize, &RuleSet)> = self.versions.iter().enumerate().collect();
        sorted.sort_by_key(|(_, v)| v.valid_from);
        for pair in sorted.windows(2) {
            let ((i, a), (j, b)) = (pair[0], pair[1]);
            if a.version == b.version {
                return Err(invalid(
                    format!("versions[{j}].version"),
                    format!(
                        "`{}` is used twice: each version needs its own name",
                        b.version
                    ),
                ));
            }
            if a.valid_until.is_none_or(|u| u >= b.valid_from) {
                let until = a
                    .valid_until
                    .map_or("open-ended".to_string(), |u| u.to_string());
                return Err(invalid(
                    format!("versions[{i}].valid_until"),
                    format!(
                        "version `{}` ({} to {until}) overlaps version `{}` starting {}: end the earlier one the day before the later one starts",
                        a.version, a.valid_from, b.version, b.valid_from
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn positive(key: &str, v: i64) -> Result<(), ConfigError> {
    if v <= 0 {
        return Err(invalid(
            key,
            format!("is {v}; it must be a positive amount in fen (分)"),
        ));
    }
    Ok(())
}

fn non_negative(key: &str, v: i64) -> Result<(), ConfigError> {
    if v < 0 {
        return Err(invalid(
            key,
            format!("is {v}; it must be zero or a positive amount in fen (分)"),
        ));
    }
    Ok(())
}

const EXPENDITURE_KINDS: [&str; 5] = ["medical", "education", "disability", "living", "other"];

fn expenditure_kinds(key: &str, kinds: &[String]) -> Result<(), ConfigError> {
    match kinds
        .iter()
        .find(|k| !EXPENDITURE_KINDS.contains(&k.as_str()))
    {
        Some(k) => Err(invalid(
            key,
            format!(
                "unknown expenditure kind `{k}`; use {}",
                EXPENDITURE_KINDS.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

impl RuleSet {
    fn validate(&self, at: &str) -> Result<(), ConfigError> {
        let key = |k: &str| format!("{at}.{k}");
        if self.version.trim().is_empty() {
            return Err(invalid(key("version"), "must not be empty"));
        }
        if let Some(u) = self.valid_until
            && u < self.valid_from
        {
            return Err(invalid(
                key("valid_until"),
                format!("{u} is before valid_from {}", self.valid_from),
            ));
        }
        let s = &self.standards;
        positive(&key("standards.urban_dibao_fen"), s.urban_dibao_fen)?;
        positive(&key("standards.rural_dibao_fen"), s.rural_dibao_fen)?;
        positive(
            &key("standards.urban_prev_disposable_income_fen_per_year"),
            s.urban_prev_disposable_income_fen_per_year,
        )?;
        positive(
            &key("standards.rural_prev_disposable_income_fen_per_year"),
            s.rural_prev_disposable_income_fen_per_year,
        )?;

        let inc = &self.income;
        if !(1..=36).contains(&inc.reference_period_months) {
            return Err(invalid(
                key("income.reference_period_months"),
                format!("is {}; use 1 to 36 months", inc.reference_period_months),
            ));
        }
        match (inc.employment_cost, inc.employment_cost_flat_fen_per_month) {
            (EmploymentCost::FlatPerMonth, None) => {
                return Err(invalid(
                    key("income.employment_cost_flat_fen_per_month"),
                    "is required when employment_cost = \"flat_per_month\"",
                ));
            }
            (_, Some(v)) => non_negative(&key("income.employment_cost_flat_fen_per_month"), v)?,
            _ => {}
        }
        let imp = &self.imputed_income;
        non_negative(&key("imputed_income.fen_per_month"), imp.fen_per_month)?;
        if imp.min_age > imp.max_age {
            return Err(invalid(
                key("imputed_income.min_age"),
                format!("{} is above max_age {}", imp.min_age, imp.max_age),
            ));
        }
        expenditure_kinds(&key("rigid_deduction.kinds"), &self.rigid_deduction.kinds)?;

        for (i, e) in self.exempt_income.iter().enumerate() {
            let k = format!("{at}.exempt_income[{i}]");
            if e.code.trim().is_empty() || e.schemes.is_empty() {
                return Err(invalid(
                    k,
                    "needs a code and at least one scheme (dibao, tekun)",
                ));
            }
            if let (Some(f), Some(u)) = (e.valid_from, e.valid_until)
                && u < f
            {
                return Err(invalid(
                    format!("{k}.valid_until"),
                    format!("{u} is before valid_from {f}"),
                ));
            }
        }

        let d = &self.dibao;
        if d.mode == BenefitMode::Tiered && d.tiers.is_empty() {
            return Err(invalid(
                key("dibao.tiers"),
                "mode = \"tiered\" needs at least one `[[versions.dibao.tiers]]`",
            ));
        }
        for (i, t) in d.tiers.iter().enumerate() {
            non_negative(
                &key(&format!("dibao.tiers[{i}].fen_per_month")),
                t.fen_per_month,
            )?;
        }
        for (i, s) in d.supplements.iter().enumerate() {
            non_negative(
                &key(&format!("dibao.supplements[{i}].urban_fen_per_month")),
                s.urban_fen_per_month,
            )?;
            non_negative(
                &key(&format!("dibao.supplements[{i}].rural_fen_per_month")),
                s.rural_fen_per_month,
            )?;
        }
        non_negative(
            &key("dibao.minimum_fen_per_person"),
            d.minimum_fen_per_person,
        )?;
        if let Some(max) = d.maximum_fen_per_person
            && max < d.minimum_fen_per_person
        {
            return Err(invalid(
                key("dibao.maximum_fen_per_person"),
                format!(
                    "{max} is below minimum_fen_per_person {}",
                    d.minimum_fen_per_person
                ),
            ));
        }
        positive(&key("dibao.round_to_fen"), d.round_to_fen)?;

        if self.edge.income_ratio.frac() <= super::money::Frac::fen(1) {
            return Err(invalid(
                key("edge.income_ratio"),
                format!(
                    "is {}; an edge household's limit lies above the standard, so use a ratio above 1",
                    self.edge.income_ratio
                ),
            ));
        }
        expenditure_kinds(&key("rigid_expense.kinds"), &self.rigid_expense.kinds)?;

        let t = &self.tekun;
        for (k, v) in [
            (
                "basic_living_urban_fen_per_month",
                t.basic_living_urban_fen_per_month,
            ),
            (
                "basic_living_rural_fen_per_month",
                t.basic_living_rural_fen_per_month,
            ),
        ] {
            positive(&key(&format!("tekun.{k}")), v)?;
        }
        for (k, v) in [
            ("care_capable_fen_per_month", t.care_capable_fen_per_month),
            (
                "care_partly_lost_fen_per_month",
                t.care_partly_lost_fen_per_month,
            ),
            (
                "care_fully_lost_fen_per_month",
                t.care_fully_lost_fen_per_month,
            ),
        ] {
            non_negative(&key(&format!("tekun.{k}")), v)?;
        }

        if self.phase_out.months > PHASE_OUT_MAX_MONTHS {
            return Err(invalid(
                key("phase_out.months"),
                format!(
                    "is {}; the national rule (S1 Art. 33) allows at most {PHASE_OUT_MAX_MONTHS} months in principle",
                    self.phase_out.months
                ),
            ));
        }

        let tmp = &self.temporary;
        expenditure_kinds(&key("temporary.expense_kinds"), &tmp.expense_kinds)?;
        non_negative(
            &key("temporary.township_approval_cap_fen"),
            tmp.township_approval_cap_fen,
        )?;
        if tmp.tiers.is_empty() {
            return Err(invalid(
                key("temporary.tiers"),
                "needs at least one `[[versions.temporary.tiers]]`",
            ));
        }

        let p = &self.property;
        for (name, limits) in [
            ("dibao", Some(&p.dibao)),
            ("edge", Some(&p.edge)),
            ("tekun", Some(&p.tekun)),
            ("rigid_expense", p.rigid_expense.as_ref()),
            ("temporary", p.temporary.as_ref()),
        ] {
            let Some(l) = limits else { continue };
            for (k, v) in [
                ("vehicle_counted_from_fen", l.vehicle_counted_from_fen),
                ("max_business_value_fen", l.max_business_value_fen),
                ("max_machinery_value_fen", l.max_machinery_value_fen),
                (
                    "max_livestock_value_fen_per_capita",
                    l.max_livestock_value_fen_per_capita,
                ),
            ] {
                if let Some(v) = v {
                    non_negative(&key(&format!("property.{name}.{k}")), v)?;
                }
            }
        }
        Ok(())
    }
}
