//! Dotted paths into the JSON form of a case document (`visits.0.members.1.name.verified`), as
//! used by `jiuzhu-tablet set` and by review notes that point at a field.

use serde_json::Value;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PathError {
    #[error("empty path: give a dotted path such as visits.0.living.housing")]
    Empty,
    #[error("path {path:?}: {segment:?} is not a list index (lists are indexed 0, 1, 2…)")]
    NotAnIndex { path: String, segment: String },
    #[error(
        "path {path:?}: index {index} is past the end of a list of {len} (use {len} to add a row)"
    )]
    PastEnd {
        path: String,
        index: usize,
        len: usize,
    },
    #[error("path {path:?}: {segment:?} goes inside a value that is not an object or a list")]
    NotContainer { path: String, segment: String },
}

/// Set `value` at `path` in `root`, creating objects for missing keys and appending a new empty row
/// when an index equals the length of a list (so `visits.0.x` on a case without visits creates the
/// first visit). Whether the result is a valid document is checked by the caller's typed parse.
pub fn set(root: &mut Value, path: &str, value: Value) -> Result<(), PathError> {
    let segments: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    let Some((last, parents)) = segments.split_last() else {
        return Err(PathError::Empty);
    };
    let mut cur = root;
    for (i, seg) in parents.iter().enumerate() {
        // A missing container is a list when the next segment is an index: `supporters.0.name`
        // on a visit without supporters starts the list.
        let next = parents.get(i + 1).unwrap_or(last);
        cur = step(cur, seg, path, next)?;
    }
    match cur {
        Value::Object(map) => {
            map.insert((*last).to_string(), value);
            Ok(())
        }
        Value::Array(list) => {
            let index = parse_index(last, path)?;
            if index < list.len() {
                list[index] = value;
            } else if index == list.len() {
                list.push(value);
            } else {
                return Err(PathError::PastEnd {
                    path: path.into(),
                    index,
                    len: list.len(),
                });
            }
            Ok(())
        }
        _ => Err(PathError::NotContainer {
            path: path.into(),
            segment: (*last).into(),
        }),
    }
}

/// Read the value at `path`, if present.
pub fn get<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .try_fold(root, |cur, seg| match cur {
            Value::Object(m) => m.get(seg),
            Value::Array(l) => seg.parse::<usize>().ok().and_then(|i| l.get(i)),
            _ => None,
        })
}

fn parse_index(seg: &str, path: &str) -> Result<usize, PathError> {
    seg.parse().map_err(|_| PathError::NotAnIndex {
        path: path.into(),
        segment: seg.into(),
    })
}

fn step<'a>(
    cur: &'a mut Value,
    seg: &str,
    path: &str,
    next: &str,
) -> Result<&'a mut Value, PathError> {
    match cur {
        Value::Object(map) => {
            if !map.get(seg).is_some_and(|v| v.is_object() || v.is_array()) {
                let empty = if next.parse::<usize>().is_ok() {
                    Value::Array(Vec::new())
                } else {
                    Value::Object(Default::default())
                };
                map.insert(seg.to_string(), empty);
            }
            Ok(map.get_mut(seg).expect("just inserted"))
        }
        Value::Array(list) => {
            let index = parse_index(seg, path)?;
            if index == list.len() {
                list.push(Value::Object(Default::default()));
            }
            let len = list.len();
            list.get_mut(index).ok_or(PathError::PastEnd {
                path: path.into(),
                index,
                len,
            })
        }
        _ => Err(PathError::NotContainer {
            path: path.into(),
            segment: seg.into(),
        }),
    }
}

/// One field a change touched: its dotted path, the value before and after (`null` when absent).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldChange {
    pub path: String,
    pub old: Value,
    pub new: Value,
}

/// What differs between two JSON forms of a case, leaf by leaf: rows (objects with an `id`) are
/// matched by id, so a row taken out is one change rather than a shift of every row after it; an
/// object or row that appears or disappears is one change holding all of it.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    diff_into(&mut out, String::new(), before, after);
    out
}

fn join(prefix: &str, seg: &str) -> String {
    if prefix.is_empty() {
        seg.to_string()
    } else {
        format!("{prefix}.{seg}")
    }
}

fn row_id(v: &Value) -> Option<&str> {
    v.get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn diff_into(out: &mut Vec<FieldChange>, path: String, before: &Value, after: &Value) {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            for (k, av) in a {
                diff_into(out, join(&path, k), b.get(k).unwrap_or(&Value::Null), av);
            }
            for (k, bv) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                diff_into(out, join(&path, k), bv, &Value::Null);
            }
        }
        (Value::Array(b), Value::Array(a)) if b.iter().chain(a).all(|r| row_id(r).is_some()) => {
            for (i, ar) in a.iter().enumerate() {
                let br = b.iter().find(|r| row_id(r) == row_id(ar));
                diff_into(
                    out,
                    join(&path, &i.to_string()),
                    br.unwrap_or(&Value::Null),
                    ar,
                );
            }
            for (i, br) in b.iter().enumerate() {
                if !a.iter().any(|r| row_id(r) == row_id(br)) {
                    diff_into(out, join(&path, &i.to_string()), br, &Value::Null);
                }
            }
        }
        (Value::Array(b), Value::Array(a)) => {
            for i in 0..a.len().max(b.len()) {
                let (bv, av) = (
                    b.get(i).unwrap_or(&Value::Null),
                    a.get(i).unwrap_or(&Value::Null),
                );
                diff_into(out, join(&path, &i.to_string()), bv, av);
            }
        }
        (b, a) if b != a => out.push(FieldChange {
            path,
            old: b.clone(),
            new: a.clone(),
        }),
        _ => {}
    }
}

/// Interpret a command-line value: JSON when it parses (numbers, booleans, null, objects), else a
/// plain string, so `张三` and `"0012"` both do what a person means.
pub fn parse_cli_value(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn creates_rows_and_objects_on_the_way() {
        let mut v = json!({"visits": []});
        set(&mut v, "visits.0.living.housing", json!("土坯房")).unwrap();
        assert_eq!(v, json!({"visits": [{"living": {"housing": "土坯房"}}]}));
        set(&mut v, "visits.0.income.0.amount_fen", json!(1200)).unwrap();
        assert_eq!(get(&v, "visits.0.income.0.amount_fen"), Some(&json!(1200)));
        // A list the visit does not have yet is started as a list.
        set(&mut v, "visits.0.supporters.0.name", json!("王强")).unwrap();
        assert_eq!(
            get(&v, "visits.0.supporters"),
            Some(&json!([{"name": "王强"}]))
        );
    }

    #[test]
    fn refuses_gaps_and_bad_indices() {
        let mut v = json!({"visits": []});
        assert!(matches!(
            set(&mut v, "visits.2.method", json!("home")),
            Err(PathError::PastEnd { .. })
        ));
        assert!(matches!(
            set(&mut v, "visits.x.method", json!("home")),
            Err(PathError::NotAnIndex { .. })
        ));
        assert_eq!(set(&mut v, "", json!(1)), Err(PathError::Empty));
    }

    #[test]
    fn diff_names_each_changed_field_and_matches_rows_by_id() {
        let before = json!({"visits": [{"id": "v", "living": {"housing": "土坯房"},
            "income": [{"id": "a", "amount_fen": 1}, {"id": "b", "amount_fen": 2}]}]});
        let after = json!({"visits": [{"id": "v", "living": {"housing": "砖房"},
            "income": [{"id": "b", "amount_fen": 3}], "opinion": "建议纳入"}]});
        let changes = diff(&before, &after);
        let at = |p: &str| changes.iter().find(|c| c.path == p).cloned();
        assert_eq!(at("visits.0.living.housing").unwrap().new, json!("砖房"));
        // Row b moved up after a was taken out: its own field changed, nothing else of it.
        let b = at("visits.0.income.0.amount_fen").unwrap();
        assert_eq!((b.old, b.new), (json!(2), json!(3)));
        let a = at("visits.0.income.0").unwrap();
        assert_eq!((a.old["id"].clone(), a.new), (json!("a"), Value::Null));
        assert_eq!(at("visits.0.opinion").unwrap().old, Value::Null);
        assert_eq!(changes.len(), 4, "{changes:?}");
        assert!(diff(&after, &after).is_empty());
    }

    #[test]
    fn cli_values_are_json_or_strings() {
        assert_eq!(parse_cli_value("12"), json!(12));
        assert_eq!(parse_cli_value("true"), json!(true));
        assert_eq!(parse_cli_value("张三"), json!("张三"));
    }
}
