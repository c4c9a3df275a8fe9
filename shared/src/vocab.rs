//! The controlled vocabulary (issue 12): every choice a person picks from on the tablet, the
//! console and the phone pages, and every code the rules classify by. The list itself is data,
//! `shared/vocab/vocab.json`, so the web and tablet front ends import the very same file.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// One choice: what the document stores and what people read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub code: String,
    pub zh: String,
    /// `income_item`: the income category the item belongs to.
    #[serde(default)]
    pub category: Option<String>,
    /// `income_item`: the exemption the item usually falls under (the rules decide by the code).
    #[serde(default)]
    pub exempt_code: Option<String>,
    /// `property_kind`: which property test counts it.
    #[serde(default)]
    pub class: Option<String>,
}

/// The JSON text, for front ends served by the binaries.
pub const JSON: &str = include_str!("../vocab/vocab.json");

static VOCAB: LazyLock<BTreeMap<String, Vec<Term>>> = LazyLock::new(|| {
    let mut all: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(JSON).expect("shared/vocab/vocab.json is valid JSON");
    all.remove("_comment");
    all.into_iter()
        .map(|(k, v)| {
            let terms = serde_json::from_value(v)
                .unwrap_or_else(|e| panic!("vocab group {k} is malformed: {e}"));
            (k, terms)
        })
        .collect()
});

/// The choices of one group, in display order (empty for an unknown group).
pub fn group(name: &str) -> &'static [Term] {
    VOCAB.get(name).map_or(&[], Vec::as_slice)
}

/// The term with `code` in `group`.
pub fn term(group_name: &str, code: &str) -> Option<&'static Term> {
    group(group_name).iter().find(|t| t.code == code)
}

/// What people read for `code`: the term's label, or the code itself when it is not in the list
/// (text typed before the pickers existed).
pub fn label<'a>(group_name: &str, code: &'a str) -> &'a str
where
    'static: 'a,
{
    term(group_name, code).map_or(code, |t| t.zh.as_str())
}

/// How the property tests treat a property kind: `financial`, `vehicle`, `machinery`, `house`,
/// `business`, `livestock`, `production` (no limit), or None when the rules cannot classify it.
pub fn property_class(kind: &str) -> Option<&'static str> {
    term("property_kind", kind)
        .and_then(|t| t.class.as_deref())
        .filter(|c| *c != "unclassified")
}

/// Every group name.
pub fn groups() -> impl Iterator<Item = &'static str> {
    VOCAB.keys().map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_well_formed() {
        assert!(groups().count() > 20);
        for g in groups() {
            let terms = group(g);
            assert!(!terms.is_empty(), "{g} is empty");
            let mut codes: Vec<_> = terms.iter().map(|t| t.code.as_str()).collect();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), terms.len(), "{g} repeats a code");
            assert!(
                terms.iter().all(|t| !t.zh.trim().is_empty()),
                "{g} lacks a label"
            );
        }
    }

    #[test]
    fn every_income_item_names_a_category_and_a_known_exemption() {
        for t in group("income_item") {
            let c = t.category.as_deref().expect("item has a category");
            assert!(term("income_category", c).is_some(), "{}: {c}", t.code);
            if let Some(e) = &t.exempt_code {
                assert!(term("exempt_code", e).is_some(), "{}: {e}", t.code);
            }
        }
    }

    #[test]
    fn every_property_kind_has_a_class() {
        for t in group("property_kind") {
            assert!(t.class.is_some(), "{} has no class", t.code);
        }
        assert_eq!(property_class("internet_finance"), Some("financial"));
        assert_eq!(property_class("other"), None);
        assert_eq!(property_class("余额宝"), None);
    }

    #[test]
    fn labels_fall_back_to_the_code() {
        assert_eq!(label("application_method", "agent"), "委托申请");
        assert_eq!(label("ethnicity", "typed by hand"), "typed by hand");
    }
}
