//! Typed access to a case's Automerge document: create, load, read (hydrate), write (reconcile),
//! set a field by path, and list same-field conflicts with who wrote each value and when.

use crate::ids::ActorKey;
use crate::path::{self, PathError};
use crate::schema::{CaseDoc, Finding, SCHEMA_VERSION};
use automerge::transaction::CommitOptions;
use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("the case document is damaged or not an Automerge document: {0}")]
    Automerge(Box<automerge::AutomergeError>),
    #[error("the case document does not match the case schema: {0}")]
    Hydrate(Box<autosurgeon::HydrateError>),
    #[error("could not write the case document: {0}")]
    Reconcile(Box<autosurgeon::ReconcileError>),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

// Boxed: these errors are large and would make every Result in the store carry their size.
macro_rules! boxed_from {
    ($($variant:ident($t:ty)),*) => {$(
        impl From<$t> for DocError {
            fn from(e: $t) -> Self {
                DocError::$variant(Box::new(e))
            }
        }
    )*};
}
boxed_from!(
    Automerge(automerge::AutomergeError),
    Hydrate(autosurgeon::HydrateError),
    Reconcile(autosurgeon::ReconcileError)
);

/// One value among several written concurrently to the same field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictValue {
    pub value: Json,
    /// Hex actor id of the change that wrote it (bound to one device or console user).
    pub actor: String,
    /// Unix seconds recorded in that change.
    pub time: i64,
    /// Whether Automerge currently shows this value (the deterministic winner).
    pub winner: bool,
}

/// A field edited concurrently: every value is kept until someone resolves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// Dotted path in the JSON form of the document.
    pub path: String,
    pub values: Vec<ConflictValue>,
}

/// A case document: an Automerge document plus its typed view.
pub struct CaseDocument {
    doc: AutoCommit,
}

impl CaseDocument {
    /// Create the document for a new case, written by `actor`.
    pub fn create(case: &CaseDoc, actor: ActorKey, now_s: i64) -> Result<Self, DocError> {
        let mut me = Self::empty(actor);
        let mut case = case.clone();
        case.schema_version = SCHEMA_VERSION;
        case.fill_missing_ids();
        me.write(&case, "create case", now_s)?;
        Ok(me)
    }

    /// An empty document (a case first seen through sync starts like this).
    pub fn empty(actor: ActorKey) -> Self {
        Self {
            doc: AutoCommit::new().with_actor(actor.to_actor_id()),
        }
    }

    /// Load stored chunks (a snapshot and incremental changes, concatenated: one `load` is far
    /// faster than applying chunks one by one).
    pub fn load(bytes: &[u8], actor: ActorKey) -> Result<Self, DocError> {
        let doc = AutoCommit::load(bytes)?.with_actor(actor.to_actor_id());
        Ok(Self { doc })
    }

    /// Wrap an Automerge document (a fork, say) to read it typed.
    pub fn from_automerge(doc: AutoCommit) -> Self {
        Self { doc }
    }

    pub fn automerge(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    pub fn read(&self) -> Result<CaseDoc, DocError> {
        Ok(autosurgeon::hydrate(&self.doc)?)
    }

    /// What a case list shows, read without hydrating the whole case (a tenth of the time for a
    /// household with its visit laid out): the header, how many visits and whether all are
    /// sealed, and how many review notes are still open.
    pub fn summary(&self) -> Result<CaseSummary, DocError> {
        let header: crate::schema::Header = autosurgeon::hydrate_prop(&self.doc, ROOT, "header")?;
        let list = |key: &str| match self.doc.get(ROOT, key) {
            Ok(Some((Value::Object(ObjType::List), id))) => {
                let items: Vec<ObjId> = (0..self.doc.length(&id))
                    .filter_map(|i| match self.doc.get(&id, i) {
                        Ok(Some((Value::Object(_), item))) => Some(item),
                        _ => None,
                    })
                    .collect();
                items
            }
            _ => Vec::new(),
        };
        let flag = |obj: &ObjId, key: &str| {
            matches!(
                self.doc.get(obj, key),
                Ok(Some((Value::Scalar(s), _))) if matches!(s.as_ref(), ScalarValue::Boolean(true))
            )
        };
        let visits = list("visits");
        Ok(CaseSummary {
            header,
            visits: visits.len(),
            finalized: !visits.is_empty() && visits.iter().all(|v| flag(v, "finalized")),
            open_notes: list("review_notes")
                .iter()
                .filter(|n| !flag(n, "resolved"))
                .count(),
        })
    }

    /// The application's documents (`declared.documents[*].hash`), read without hydrating the
    /// whole case: a sync asks this of every case it received, a thousand on a first sync.
    pub fn declared_document_hashes(&self) -> Vec<String> {
        let object = |obj: &ObjId, prop: &str| match self.doc.get(obj, prop) {
            Ok(Some((Value::Object(_), id))) => Some(id),
            _ => None,
        };
        let Some(list) = object(&ROOT, "declared").and_then(|d| object(&d, "documents")) else {
            return Vec::new();
        };
        (0..self.doc.length(&list))
            .filter_map(|i| match self.doc.get(&list, i) {
                Ok(Some((Value::Object(_), item))) => match self.doc.get(&item, "hash") {
                    Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_string),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    /// Write the typed document back. Reconcile only emits operations for what differs, so two
    /// devices editing different fields merge cleanly.
    pub fn write(&mut self, case: &CaseDoc, message: &str, now_s: i64) -> Result<(), DocError> {
        autosurgeon::reconcile(&mut self.doc, case)?;
        self.doc.commit_with(
            CommitOptions::default()
                .with_message(message.to_string())
                .with_time(now_s),
        );
        Ok(())
    }

    /// Read, change and write back in one step.
    pub fn update<R>(
        &mut self,
        message: &str,
        now_s: i64,
        f: impl FnOnce(&mut CaseDoc) -> Result<R, DocError>,
    ) -> Result<R, DocError> {
        let before = self.read()?;
        let mut case = before.clone();
        let r = f(&mut case)?;
        case.fill_missing_ids();
        self.write_changed(&before, &case, message, now_s)?;
        Ok(r)
    }

    /// Write back only the top-level sections that differ between `before` and `after`. A
    /// section nobody touched gets no operation at all — not even the default value of a field
    /// an older document lacks — so a tablet's edit of its visit never writes into the header,
    /// which the write policy reserves for the server (`crate::policy`).
    pub fn write_changed(
        &mut self,
        before: &CaseDoc,
        after: &CaseDoc,
        message: &str,
        now_s: i64,
    ) -> Result<(), DocError> {
        macro_rules! sections {
            ($($field:ident),*) => {$(
                if before.$field != after.$field {
                    autosurgeon::reconcile_prop(&mut self.doc, ROOT, stringify!($field), &after.$field)?;
                }
            )*};
        }
        // Naming every field here makes a new top-level section a compile error until it is
        // listed below.
        let CaseDoc {
            schema_version: _,
            case_id: _,
            header: _,
            declared: _,
            visits: _,
            findings: _,
            review_notes: _,
        } = after;
        sections!(
            schema_version,
            case_id,
            header,
            declared,
            visits,
            findings,
            review_notes
        );
        self.doc.commit_with(
            CommitOptions::default()
                .with_message(message.to_string())
                .with_time(now_s),
        );
        Ok(())
    }

    /// Set the field at a dotted path of the JSON form (creating a visit or row where the index is
    /// the list's length). The value is taken as JSON when that fits the schema, else as text.
    pub fn set_path(&mut self, dotted: &str, raw: &str, now_s: i64) -> Result<(), DocError> {
        let current = serde_json::to_value(self.read()?).expect("case serialises");
        let attempt = |value: Json| -> Result<CaseDoc, DocError> {
            let mut json = current.clone();
            path::set(&mut json, dotted, value)?;
            serde_json::from_value::<CaseDoc>(json).map_err(|e| DocError::Invalid {
                path: dotted.to_string(),
                message: e.to_string(),
            })
        };
        let parsed = path::parse_cli_value(raw);
        let case = match attempt(parsed.clone()) {
            Ok(case) => case,
            Err(first) if !parsed.is_string() => {
                attempt(Json::String(raw.to_string())).map_err(|_| first)?
            }
            Err(e) => return Err(e),
        };
        let mut case = case;
        case.fill_missing_ids();
        let before: CaseDoc = serde_json::from_value(current).expect("the current case parses");
        self.write_changed(&before, &case, &format!("set {dotted}"), now_s)
    }

    /// Write `value` at `dotted` directly, superseding every concurrent value there: how a
    /// caseworker resolves a conflict (writing the current winner again through `set_path` would be
    /// a no-op and leave the conflict in place). The result must still match the schema.
    pub fn resolve(&mut self, dotted: &str, value: &Json, now_s: i64) -> Result<(), DocError> {
        let invalid = |message: &str| DocError::Invalid {
            path: dotted.to_string(),
            message: message.to_string(),
        };
        let segments: Vec<&str> = dotted.split('.').filter(|s| !s.is_empty()).collect();
        let (last, parents) = segments.split_last().ok_or_else(|| invalid("empty path"))?;
        let mut obj = ROOT;
        for seg in parents {
            let prop = self
                .prop_of(&obj, seg)
                .ok_or_else(|| invalid("no such field"))?;
            obj = match self.doc.get(&obj, prop)? {
                Some((Value::Object(_), id)) => id,
                _ => return Err(invalid("no such field")),
            };
        }
        let prop = self
            .prop_of(&obj, last)
            .ok_or_else(|| invalid("no such field"))?;
        let scalar = match value {
            Json::String(s) => ScalarValue::Str(s.as_str().into()),
            Json::Bool(b) => ScalarValue::Boolean(*b),
            Json::Null => ScalarValue::Null,
            Json::Number(n) if n.is_i64() => ScalarValue::Int(n.as_i64().expect("i64")),
            Json::Number(n) if n.is_u64() => ScalarValue::Uint(n.as_u64().expect("u64")),
            Json::Number(n) => ScalarValue::F64(n.as_f64().unwrap_or_default()),
            _ => return Err(invalid("only a single value can resolve a conflict")),
        };
        automerge::transaction::Transactable::put(&mut self.doc, &obj, prop, scalar)?;
        if let Err(e) = self.read() {
            // Drop the uncommitted put: a resolution must not break the document.
            self.doc.rollback();
            return Err(invalid(&format!("the value does not fit this field: {e}")));
        }
        self.doc.commit_with(
            CommitOptions::default()
                .with_message(format!("resolve {dotted}"))
                .with_time(now_s),
        );
        Ok(())
    }

    fn prop_of(&self, obj: &ObjId, seg: &str) -> Option<automerge::Prop> {
        match self.doc.object_type(obj).ok()? {
            ObjType::List | ObjType::Text => seg.parse::<usize>().ok().map(automerge::Prop::Seq),
            _ => Some(automerge::Prop::Map(seg.to_string())),
        }
    }

    /// Append a finding (findings are append-only).
    pub fn add_finding(&mut self, text: &str, by: &str, now_s: i64) -> Result<String, DocError> {
        if text.trim().is_empty() {
            return Err(DocError::Invalid {
                path: "findings".into(),
                message: "a finding needs text".into(),
            });
        }
        self.update("add finding", now_s, |case| {
            let id = crate::ids::new_row_id();
            case.findings.push(Finding {
                id: id.clone(),
                text: text.to_string(),
                by: by.to_string(),
                at: Some(now_s * 1000),
                visit_id: case.visits.last().map(|v| v.id.clone()),
            });
            Ok(id)
        })
    }

    pub fn to_json(&self) -> Result<Json, DocError> {
        Ok(serde_json::to_value(self.read()?).expect("case serialises"))
    }

    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// Changes since the last `save`/`save_incremental`: what to append to storage.
    pub fn save_incremental(&mut self) -> Vec<u8> {
        self.doc.save_incremental()
    }

    /// Every field that holds more than one concurrent value.
    pub fn conflicts(&mut self) -> Vec<Conflict> {
        let mut found = Vec::new();
        walk(&self.doc, &ROOT, String::new(), &mut found);
        found
            .into_iter()
            .map(|(path, vals)| {
                let n = vals.len();
                let values = vals
                    .into_iter()
                    .enumerate()
                    .map(|(i, (value, opid))| {
                        let (actor, time) = self
                            .doc
                            .hash_for_opid(&opid)
                            .and_then(|h| self.doc.get_change_meta_by_hash(&h))
                            .map(|m| (m.actor.to_hex_string(), m.timestamp))
                            .unwrap_or_default();
                        // get_all lists values in op order; the last is the one `get` returns.
                        ConflictValue {
                            value,
                            actor,
                            time,
                            winner: i + 1 == n,
                        }
                    })
                    .collect();
                Conflict { path, values }
            })
            .collect()
    }
}

/// See [`CaseDocument::summary`].
#[derive(Debug, Clone, PartialEq)]
pub struct CaseSummary {
    pub header: crate::schema::Header,
    pub visits: usize,
    /// Every visit sealed (and there is one).
    pub finalized: bool,
    pub open_notes: usize,
}

type Found = Vec<(String, Vec<(Json, automerge::ObjId)>)>;

fn join(prefix: &str, seg: &str) -> String {
    if prefix.is_empty() {
        seg.to_string()
    } else {
        format!("{prefix}.{seg}")
    }
}

/// Every conflicted value under `obj`. The range iterators say which entries hold concurrent
/// values, so only those are looked up again; the walk costs one pass over the document.
fn walk(doc: &AutoCommit, obj: &ObjId, prefix: String, out: &mut Found) {
    let Ok(kind) = doc.object_type(obj) else {
        return;
    };
    // (property, whether its values conflict, the object it holds if any)
    let entries: Vec<(automerge::Prop, bool, Option<ObjId>)> = match kind {
        ObjType::Map | ObjType::Table => doc
            .map_range(obj, ..)
            .map(|item| {
                let child = matches!(item.value, automerge::ValueRef::Object(_)).then(|| item.id());
                (
                    automerge::Prop::Map(item.key.into_owned()),
                    item.conflict,
                    child,
                )
            })
            .collect(),
        ObjType::List => doc
            .list_range(obj, ..)
            .map(|item| {
                let child = matches!(item.value, automerge::ValueRef::Object(_)).then(|| item.id());
                (automerge::Prop::Seq(item.index), item.conflict, child)
            })
            .collect(),
        ObjType::Text => return,
    };
    for (prop, conflict, child) in entries {
        if !conflict && child.is_none() {
            continue;
        }
        let path = match &prop {
            automerge::Prop::Map(key) => join(&prefix, key),
            automerge::Prop::Seq(i) => join(&prefix, &i.to_string()),
        };
        if conflict && let Ok(all) = doc.get_all(obj, prop) {
            out.push((
                path.clone(),
                all.iter()
                    .map(|(v, id)| (value_json(doc, v, id), id.clone()))
                    .collect(),
            ));
        }
        if let Some(child) = child {
            walk(doc, &child, path, out);
        }
    }
}

fn value_json(doc: &AutoCommit, v: &Value<'_>, id: &ObjId) -> Json {
    match v {
        Value::Scalar(s) => scalar_json(s),
        Value::Object(ObjType::Text) => Json::String(doc.text(id).unwrap_or_default()),
        Value::Object(_) => Json::String("{…}".into()),
    }
}

fn scalar_json(s: &ScalarValue) -> Json {
    match s {
        ScalarValue::Str(s) => Json::String(s.to_string()),
        ScalarValue::Int(i) => Json::from(*i),
        ScalarValue::Uint(u) => Json::from(*u),
        ScalarValue::F64(f) => Json::from(*f),
        ScalarValue::Boolean(b) => Json::Bool(*b),
        ScalarValue::Counter(c) => Json::from(i64::from(c)),
        ScalarValue::Timestamp(t) => Json::from(*t),
        ScalarValue::Null => Json::Null,
        ScalarValue::Bytes(b) => Json::String(hex::encode(b)),
        other => Json::String(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{DeclaredMember, Header, Visit};

    #[test]
    fn the_summary_read_directly_matches_the_typed_document() {
        let expect = |case: &CaseDoc| CaseSummary {
            header: case.header.clone(),
            visits: case.visits.len(),
            finalized: !case.visits.is_empty() && case.visits.iter().all(|v| v.finalized),
            open_notes: case.review_notes.iter().filter(|n| !n.resolved).count(),
        };
        let mut case = sample();
        case.visits.clear();
        let summary = |case: &CaseDoc| {
            CaseDocument::create(case, ActorKey::random(), 1)
                .unwrap()
                .summary()
                .unwrap()
        };
        assert_eq!(summary(&case), expect(&case));
        case.visits.push(Visit::new("home", vec!["a".into()], 0));
        case.visits.push(Visit::new("home", vec!["a".into()], 0));
        case.visits[0].finalized = true;
        case.review_notes.push(crate::schema::ReviewNote {
            resolved: true,
            ..Default::default()
        });
        case.review_notes.push(crate::schema::ReviewNote::default());
        assert_eq!(summary(&case), expect(&case));
        assert_eq!(
            (summary(&case).finalized, summary(&case).open_notes),
            (false, 1)
        );
        case.visits[1].finalized = true;
        assert!(summary(&case).finalized);
    }

    #[test]
    fn declared_document_hashes_read_directly_match_the_typed_document() {
        let mut case = sample();
        let doc = CaseDocument::create(&case, ActorKey::random(), 1).unwrap();
        assert!(doc.declared_document_hashes().is_empty());
        for (i, kind) in ["id_card", "hukou"].into_iter().enumerate() {
            case.declared
                .documents
                .push(crate::schema::DeclaredDocument {
                    hash: format!("{i:064}"),
                    kind: kind.into(),
                    ..Default::default()
                });
        }
        let doc = CaseDocument::create(&case, ActorKey::random(), 1).unwrap();
        assert_eq!(
            doc.declared_document_hashes(),
            doc.read().unwrap().document_hashes()
        );
        assert_eq!(doc.declared_document_hashes().len(), 2);
    }

    fn sample() -> CaseDoc {
        CaseDoc {
            case_id: "c1".into(),
            header: Header {
                applicant_name: "张三".into(),
                village: "树林召嘎查".into(),
                ..Default::default()
            },
            declared: crate::schema::Declared {
                members: vec![DeclaredMember {
                    name: "张三".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
            visits: vec![Visit::new(
                "home",
                vec!["王五".into(), "赵六".into()],
                1_000,
            )],
            ..Default::default()
        }
    }

    fn fork(doc: &mut CaseDocument, actor: ActorKey) -> CaseDocument {
        CaseDocument::load(&doc.save(), actor).unwrap()
    }

    fn merge(a: &mut CaseDocument, b: &mut CaseDocument) {
        a.automerge().merge(b.automerge()).unwrap();
    }

    #[test]
    fn round_trips_chinese_text_and_sets_paths() {
        let mut d = CaseDocument::create(&sample(), ActorKey::random(), 100).unwrap();
        d.set_path("visits.0.living.housing", "砖瓦房，屋顶漏水", 101)
            .unwrap();
        d.set_path("visits.0.income.0.amount_fen", "120000", 102)
            .unwrap();
        d.set_path(
            "visits.0.members.0.id_number.verified",
            "150621198001011234",
            103,
        )
        .unwrap();
        let case = CaseDocument::load(&d.save(), ActorKey::random())
            .unwrap()
            .read()
            .unwrap();
        let v = &case.visits[0];
        assert_eq!(v.living.housing.as_deref(), Some("砖瓦房，屋顶漏水"));
        assert_eq!(v.income[0].amount_fen, Some(120_000));
        assert!(!v.income[0].id.is_empty(), "new rows get an id");
        assert_eq!(
            v.members[0].id_number.verified.as_deref(),
            Some("150621198001011234")
        );
    }

    #[test]
    fn set_path_refuses_unknown_fields_and_wrong_types() {
        let mut d = CaseDocument::create(&sample(), ActorKey::random(), 100).unwrap();
        let err = d.set_path("visits.0.livng.housing", "x", 101).unwrap_err();
        assert!(err.to_string().contains("livng"), "{err}");
        let err = d.set_path("visits.0.finalized", "maybe", 101).unwrap_err();
        assert!(matches!(err, DocError::Invalid { .. }), "{err}");
        assert_eq!(d.read().unwrap(), {
            let mut c = sample();
            c.schema_version = SCHEMA_VERSION;
            c.visits[0].id = d.read().unwrap().visits[0].id.clone();
            c.declared.members[0].id = d.read().unwrap().declared.members[0].id.clone();
            c
        });
    }

    #[test]
    fn different_fields_merge_and_same_field_conflicts() {
        let (a1, a2) = (ActorKey::random(), ActorKey::random());
        let mut base = CaseDocument::create(&sample(), ActorKey::random(), 100).unwrap();
        let mut t1 = fork(&mut base, a1);
        let mut t2 = fork(&mut base, a2);
        t1.set_path("visits.0.living.food", "自给", 200).unwrap();
        t2.set_path("visits.0.living.clothing", "简朴", 201)
            .unwrap();
        t1.set_path("visits.0.living.housing", "土坯房", 202)
            .unwrap();
        t2.set_path("visits.0.living.housing", "砖房", 203).unwrap();
        merge(&mut t1, &mut t2);
        let case = t1.read().unwrap();
        assert_eq!(case.visits[0].living.food.as_deref(), Some("自给"));
        assert_eq!(case.visits[0].living.clothing.as_deref(), Some("简朴"));
        let conflicts = t1.conflicts();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        let c = &conflicts[0];
        assert_eq!(c.path, "visits.0.living.housing");
        let mut got: Vec<_> = c
            .values
            .iter()
            .map(|v| (v.value.clone(), v.actor.clone(), v.time))
            .collect();
        got.sort_by_key(|g| g.2);
        assert_eq!(
            got,
            vec![
                (Json::from("土坯房"), a1.to_string(), 202),
                (Json::from("砖房"), a2.to_string(), 203),
            ]
        );
        assert_eq!(c.values.iter().filter(|v| v.winner).count(), 1);
        let winner = c.values.iter().find(|v| v.winner).unwrap();
        assert_eq!(
            Some(winner.value.as_str().unwrap()),
            case.visits[0].living.housing.as_deref()
        );
    }

    #[test]
    fn resolving_writes_one_value_over_all_concurrent_ones() {
        let mut base = CaseDocument::create(&sample(), ActorKey::random(), 100).unwrap();
        let mut t1 = fork(&mut base, ActorKey::random());
        let mut t2 = fork(&mut base, ActorKey::random());
        t1.set_path("visits.0.living.housing", "土坯房", 202)
            .unwrap();
        t2.set_path("visits.0.living.housing", "砖房", 203).unwrap();
        merge(&mut t1, &mut t2);
        let winner = t1.read().unwrap().visits[0].living.housing.clone().unwrap();
        // Choosing the value Automerge already shows must still end the conflict.
        t1.resolve("visits.0.living.housing", &Json::from(winner.clone()), 300)
            .unwrap();
        assert!(t1.conflicts().is_empty());
        assert_eq!(t1.read().unwrap().visits[0].living.housing, Some(winner));
        let err = t1
            .resolve("visits.0.finalized", &Json::from("yes"), 301)
            .unwrap_err();
        assert!(matches!(err, DocError::Invalid { .. }), "{err}");
        assert!(!t1.read().unwrap().visits[0].finalized);
        assert!(
            t1.resolve("visits.0.nothing.here", &Json::from(1), 302)
                .is_err()
        );
    }

    #[test]
    fn findings_append_from_two_devices() {
        let mut base = CaseDocument::create(&sample(), ActorKey::random(), 100).unwrap();
        let mut t1 = fork(&mut base, ActorKey::random());
        let mut t2 = fork(&mut base, ActorKey::random());
        t1.add_finding("家中有病人", "王五", 300).unwrap();
        t2.add_finding("邻居称无固定收入", "赵六", 301).unwrap();
        merge(&mut t1, &mut t2);
        let texts: Vec<_> = t1
            .read()
            .unwrap()
            .findings
            .into_iter()
            .map(|f| f.text)
            .collect();
        assert_eq!(texts.len(), 2);
        assert!(
            texts.contains(&"家中有病人".to_string())
                && texts.contains(&"邻居称无固定收入".to_string())
        );
        assert!(t1.conflicts().is_empty());
        assert!(t1.add_finding("  ", "x", 1).is_err());
    }

    #[test]
    fn content_hash_ignores_signatures_but_not_content() {
        let mut v = Visit::new("home", vec!["a".into(), "b".into()], 1);
        let h = v.content_hash();
        v.signatures.push(Default::default());
        v.finalized = true;
        assert_eq!(v.content_hash(), h);
        v.living.food = Some("x".into());
        assert_ne!(v.content_hash(), h);
    }
}
