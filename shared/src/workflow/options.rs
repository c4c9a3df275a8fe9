//! Regional workflow options (domain §1 "delegation is the key local unknown", §2.4): what differs
//! between banners is configuration, not code. TOML-loadable; every key has the national default.

use serde::{Deserialize, Serialize};

/// Who makes the 审核确认 decision (S1 Art. 2; S6 §四(一)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Decider {
    /// 旗县民政局 (national baseline).
    #[default]
    Bureau,
    /// 苏木乡镇 / 街道, when the power has been delegated ("按程序下放"): the overall limit
    /// becomes 20 working days.
    Township,
}

/// Whether 民主评议 runs (S5 item 24; S1 Art. 19; S2 Art. 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReviewMode {
    Never,
    /// Only as a way to resolve an objection raised during 公示 (the 2021 rule).
    #[default]
    OnObjection,
    /// For every application (a local rule; historically 内蒙古 2011 [H]); an objection may also
    /// call for one.
    Always,
}

/// When an `always` 民主评议 runs relative to 公示 (domain §2.4 implication 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOrder {
    /// Investigation → 评议 → 初审意见 → 公示 (the founding document's / 2012 order).
    BeforePublicity,
    /// 初审意见 → 公示 → 评议 → 报送 (the 2021 order).
    #[default]
    AfterPublicity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    pub decider: Decider,
    pub democratic_review: ReviewMode,
    pub democratic_review_order: ReviewOrder,
    /// 公示 length in calendar days (S1 Art. 19 "7天", so at least 7; calendar days is an
    /// interpretation [R]), counted from the day after it is posted.
    pub publicity_days: u32,
    /// Calendar days the applicant has, from the 核对不符 notice, to object to the result (S1
    /// Art. 18 leaves the length to local rules [L]).
    pub check_objection_days: u32,
    /// The objection hotline printed on 公示 notices (S1 Art. 36).
    pub hotline: String,
    /// Quorum and majority rules of 民主评议.
    pub democratic_review_rules: super::review::ReviewRules,
    /// Each township's social-assistance window phone, printed on the 受理回执 and the 转办单
    /// (a township not listed prints the hotline).
    pub window_phones: std::collections::BTreeMap<String, String>,
    /// The banner bureau's spot checks (抽查): the default shares of a draw.
    pub spot_checks: SpotCheckShares,
}

/// The shares of a spot-check draw, in percent, each rounded up to whole cases: of the new 特困
/// cases (S2 Art. 16: at least 30%) and of the cases neither 特困 nor 单独登记备案 (a local
/// choice [L]). Every 单独登记备案 case is drawn whatever the shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpotCheckShares {
    pub tekun_percent: u32,
    pub rest_percent: u32,
}

/// The smallest share of new 特困 cases a draw may take (S2 Art. 16).
pub const MIN_TEKUN_SPOT_CHECK_PERCENT: u32 = 30;

impl Default for SpotCheckShares {
    fn default() -> Self {
        SpotCheckShares {
            tekun_percent: MIN_TEKUN_SPOT_CHECK_PERCENT,
            rest_percent: 5,
        }
    }
}

impl SpotCheckShares {
    /// Within the law's minimum and 100%.
    pub fn valid(self) -> bool {
        (MIN_TEKUN_SPOT_CHECK_PERCENT..=100).contains(&self.tekun_percent)
            && self.rest_percent <= 100
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            decider: Decider::Bureau,
            democratic_review: ReviewMode::OnObjection,
            democratic_review_order: ReviewOrder::AfterPublicity,
            publicity_days: 7,
            check_objection_days: 10,
            hotline: String::new(),
            democratic_review_rules: super::review::ReviewRules::default(),
            window_phones: Default::default(),
            spot_checks: SpotCheckShares::default(),
        }
    }
}

/// The shortest 公示 the law allows (S1 Art. 19).
pub const MIN_PUBLICITY_DAYS: u32 = 7;

#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    #[error("the workflow options are not valid TOML or misspell a key: {0}")]
    Parse(String),
    #[error("`publicity_days` must be at least {MIN_PUBLICITY_DAYS} (S1 Art. 19: 公示7天)")]
    PublicityDays,
    #[error("`check_objection_days` must be at least 1")]
    CheckObjectionDays,
    #[error(
        "`spot_checks.tekun_percent` must be {MIN_TEKUN_SPOT_CHECK_PERCENT} to 100 (S2 Art. 16: 抽查不低于30%) and `spot_checks.rest_percent` 0 to 100"
    )]
    SpotCheckShares,
}

impl Options {
    /// The phone of `township`'s window, or the hotline.
    pub fn window_phone(&self, township: &str) -> &str {
        self.window_phones
            .get(township)
            .map_or(self.hotline.as_str(), String::as_str)
    }

    pub fn from_toml(text: &str) -> Result<Self, OptionsError> {
        let o: Options = toml::from_str(text).map_err(|e| OptionsError::Parse(e.to_string()))?;
        if o.publicity_days < MIN_PUBLICITY_DAYS {
            return Err(OptionsError::PublicityDays);
        }
        if o.check_objection_days == 0 {
            return Err(OptionsError::CheckObjectionDays);
        }
        if !o.spot_checks.valid() {
            return Err(OptionsError::SpotCheckShares);
        }
        Ok(o)
    }
}
