//! 民主评议 (democratic review) tallies (domain §2.4). The vote is advisory: the tally says whether
//! the meeting was quorate and what share agreed; the township records its own conclusion.

use serde::{Deserialize, Serialize};

/// Quorum and majority rules, from the regional options (`[democratic_review]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewRules {
    /// Share of the eligible (not recused) roster that must vote for the meeting to be quorate.
    pub quorum: f64,
    /// Share of the votes cast that must be 同意 for the vote to "agree".
    pub agree_share: f64,
    /// Minimum share of resident representatives (村(居)民代表) in the roster (2012 rule: 2/3).
    pub resident_share: f64,
    /// Fewest representatives on a roster.
    pub min_roster: usize,
}

impl Default for ReviewRules {
    fn default() -> Self {
        ReviewRules {
            quorum: 2.0 / 3.0,
            agree_share: 2.0 / 3.0,
            resident_share: 2.0 / 3.0,
            min_roster: 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    Agree,
    Disagree,
    Abstain,
}

/// The count for one case at one meeting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    /// Roster members not recused from this case.
    pub eligible: usize,
    pub voted: usize,
    pub agree: usize,
    pub disagree: usize,
    pub abstain: usize,
    pub quorum_met: bool,
    /// 同意 among the votes cast (0 when nobody voted).
    pub agree_share: f64,
    pub threshold_met: bool,
    /// Resident representatives among the eligible roster.
    pub resident_share: f64,
    pub composition_ok: bool,
    /// One Chinese sentence for the minutes and the console, always saying the result is advisory.
    pub summary_zh: String,
}

/// Share with a tolerance of 0.001, so that 2 of 3 meets a rule written `0.6667` (two thirds).
fn at_least(part: usize, whole: usize, share: f64) -> bool {
    whole > 0 && part as f64 / whole as f64 + 1e-3 >= share
}

/// Count `votes` cast by the eligible roster, of which `residents` are resident representatives.
pub fn tally(eligible: usize, residents: usize, votes: &[Vote], rules: &ReviewRules) -> Tally {
    let count = |v: Vote| votes.iter().filter(|x| **x == v).count();
    let (agree, disagree, abstain) = (
        count(Vote::Agree),
        count(Vote::Disagree),
        count(Vote::Abstain),
    );
    let voted = votes.len();
    let quorum_met = eligible >= rules.min_roster && at_least(voted, eligible, rules.quorum);
    let threshold_met = quorum_met && at_least(agree, voted, rules.agree_share);
    let share = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let composition_ok = at_least(residents, eligible, rules.resident_share);
    let summary_zh = if !quorum_met {
        format!(
            "应到{eligible}人，实到{voted}人，未达到法定人数，表决无效；评议结果仅供参考，由乡镇形成结论。"
        )
    } else {
        format!(
            "应到{eligible}人，实到{voted}人；同意{agree}票，不同意{disagree}票，弃权{abstain}票，同意票{}三分之二；评议结果仅供参考，由乡镇形成结论。",
            if threshold_met { "达到" } else { "未达到" }
        )
    };
    Tally {
        eligible,
        voted,
        agree,
        disagree,
        abstain,
        quorum_met,
        agree_share: share(agree, voted),
        threshold_met,
        resident_share: share(residents, eligible),
        composition_ok,
        summary_zh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Vote::*;

    #[test]
    fn two_of_three_meets_two_thirds_and_the_result_stays_advisory() {
        let t = tally(3, 3, &[Agree, Agree, Disagree], &ReviewRules::default());
        assert!(t.quorum_met && t.threshold_met && t.composition_ok);
        let written = ReviewRules {
            agree_share: 0.6667,
            ..ReviewRules::default()
        };
        assert!(
            tally(3, 3, &[Agree, Agree, Disagree], &written).threshold_met,
            "0.6667 is 2/3"
        );
        assert!(
            !tally(
                7,
                7,
                &[Agree, Agree, Agree, Agree, Disagree, Disagree, Disagree],
                &written
            )
            .threshold_met,
            "4 of 7 is under 2/3"
        );
        assert!(t.summary_zh.contains("仅供参考"));
        let t = tally(3, 3, &[Agree, Disagree, Abstain], &ReviewRules::default());
        assert!(t.quorum_met && !t.threshold_met);
    }

    #[test]
    fn too_few_voters_or_representatives_is_not_quorate() {
        let rules = ReviewRules::default();
        assert!(!tally(6, 6, &[Agree, Agree, Agree], &rules).quorum_met);
        assert!(tally(6, 6, &[Agree, Agree, Agree, Agree], &rules).quorum_met);
        assert!(
            !tally(2, 2, &[Agree, Agree], &rules).quorum_met,
            "below min_roster"
        );
        let t = tally(3, 1, &[Agree, Agree, Agree], &rules);
        assert!(!t.composition_ok, "1 resident of 3 is under 2/3");
        assert!(!tally(0, 0, &[], &rules).quorum_met);
    }
}
