//! The case document schema (design §2). One Automerge document per case; each section has an
//! owner so that most concurrent edits cannot collide:
//! `header` and `declared` are written by the server, `visits` by the investigators' tablets,
//! `findings` is append-only, `review_notes` come from caseworkers (tablets append responses).
//!
//! Every struct derives both serde (the JSON that `jiuzhu-tablet show` prints and `set` edits) and
//! autosurgeon (the Automerge mapping). Lists of rows carry a stable `id` (`#[key]`) so concurrent
//! inserts and edits merge row by row. Every field may be missing in an older document.
//! Money is in 分 (fen, integer) to stay exact; times are unix milliseconds.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 1;

thread_local! {
    /// Set while [`Visit::content_hash`] serialises a visit.
    static HASHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Fields added after visits were first sealed are left out of the hashed form while they hold
/// their default, so the content hash of a visit sealed before they existed does not change.
/// Everywhere else (the JSON the tablet shows, the write policy's view) they are present, so a
/// new field written with its default is still a field of the schema.
fn default_when_hashing<T: Default + PartialEq>(v: &T) -> bool {
    HASHING.with(std::cell::Cell::get) && *v == T::default()
}

macro_rules! schema_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Reconcile, Hydrate)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $( $(#[$fmeta])* #[autosurgeon(missing = "Default::default")] pub $field: $ty, )*
        }
    };
}

schema_struct! {
    /// The whole case document.
    pub struct CaseDoc {
        pub schema_version: u32,
        pub case_id: String,
        pub header: Header,
        pub declared: Declared,
        pub visits: Vec<Visit>,
        pub findings: Vec<Finding>,
        pub review_notes: Vec<ReviewNote>,
    }
}

schema_struct! {
    /// Written by the server from the workflow; tablets read it.
    pub struct Header {
        pub case_no: String,
        /// urban_dibao | rural_dibao | tekun | temporary | edge | rigid_expense
        pub case_type: String,
        pub applicant_name: String,
        pub applicant_id_number: String,
        /// 苏木镇/街道
        pub township: String,
        /// 嘎查村/社区
        pub village: String,
        pub address: String,
        /// Names of the investigators assigned (≥2 for a visit).
        pub assigned_team: Vec<String>,
        /// Investigation deadline, ISO date (YYYY-MM-DD).
        pub deadline: Option<String>,
        /// Workflow state for display (the authoritative state is the server's workflow record).
        pub status: String,
        pub flags: Vec<String>,
    }
}

schema_struct! {
    /// What the family declared in the application.
    pub struct Declared {
        pub application_date: Option<String>,
        pub members: Vec<DeclaredMember>,
        pub income: Vec<IncomeRow>,
        pub property: Vec<PropertyRow>,
        pub expenditures: Vec<Expenditure>,
        /// The applicant's own words on income, property and expenses.
        pub statement: Option<String>,
        /// What the applicant (or the window) supplied: ID card, 户口本, certificates… The bytes
        /// are blobs, which the team's tablets fetch with the case to verify against.
        pub documents: Vec<DeclaredDocument>,
    }
}

schema_struct! {
    /// A document supplied with the application.
    pub struct DeclaredDocument {
        #[key]
        pub hash: String,
        /// Vocabulary `material_kind`.
        pub kind: String,
        pub name: String,
        pub bytes: u64,
        pub added_at: Option<i64>,
    }
}

schema_struct! {
    pub struct DeclaredMember {
        #[key]
        pub id: String,
        pub name: String,
        pub id_number: String,
        pub sex: String,
        pub birth_date: String,
        pub ethnicity: String,
        pub relation: String,
        pub hukou_type: String,
        pub marital_status: String,
        pub education: String,
        pub school_stage: String,
        pub health: String,
        pub disease: String,
        pub disability_type: String,
        pub disability_grade: String,
        pub disability_cert_no: String,
        pub work_capacity: String,
        pub employment: String,
        pub employer: String,
    }
}

schema_struct! {
    /// One field of a member as verified on the visit, beside what was declared.
    pub struct Checked {
        pub declared: Option<String>,
        pub verified: Option<String>,
        /// true = the declared value matches what the investigator saw.
        pub matches: Option<bool>,
        /// Required when `matches` is false.
        pub reason: Option<String>,
    }
}

schema_struct! {
    /// A member as verified on a visit, field by field.
    pub struct VerifiedMember {
        #[key]
        pub id: String,
        /// The declared member this row verifies; None for a member added on the visit.
        pub declared_id: Option<String>,
        /// present | added | removed
        pub status: String,
        /// Why a member was added or removed.
        pub change_reason: Option<String>,
        pub name: Checked,
        pub id_number: Checked,
        pub sex: Checked,
        pub birth_date: Checked,
        pub ethnicity: Checked,
        pub relation: Checked,
        pub hukou_type: Checked,
        pub marital_status: Checked,
        pub education: Checked,
        pub school_stage: Checked,
        pub health: Checked,
        pub disease: Checked,
        pub disability_type: Checked,
        pub disability_grade: Checked,
        pub disability_cert_no: Checked,
        pub work_capacity: Checked,
        pub employment: Checked,
        pub employer: Checked,
        /// Counted as a co-resident member (共同生活家庭成员), and why not.
        pub counted: Option<bool>,
        pub exclusion_reason: Option<String>,
        /// Present at the visit (then must sign, domain §3.1).
        pub present: Option<bool>,
        /// 特困: the six self-care items (S2 Art. 21).
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub self_care: SelfCare,
        /// 照料护理人 and 监护人 (特困; name and how to reach them).
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub caregiver: Option<String>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub guardian: Option<String>,
    }
}

schema_struct! {
    /// The six self-care items of S2 Art. 21, each `true` when the member can NOT do it alone,
    /// `false` when they can, absent when not yet assessed. The count of `true` gives the care
    /// tier (0 具备, 1–3 部分丧失, ≥4 完全丧失).
    pub struct SelfCare {
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub eating: Option<bool>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub dressing: Option<bool>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub bed: Option<bool>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub toilet: Option<bool>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub walking: Option<bool>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub bathing: Option<bool>,
    }
}

impl SelfCare {
    pub fn items(&self) -> [Option<bool>; 6] {
        [
            self.eating,
            self.dressing,
            self.bed,
            self.toilet,
            self.walking,
            self.bathing,
        ]
    }

    /// How many items the member cannot do alone; None until every item is assessed.
    pub fn unable_items(&self) -> Option<u8> {
        let items = self.items();
        items
            .iter()
            .all(Option::is_some)
            .then(|| items.iter().filter(|i| **i == Some(true)).count() as u8)
    }
}

schema_struct! {
    pub struct IncomeRow {
        #[key]
        pub id: String,
        pub member_id: Option<String>,
        /// wage | business | property | transfer | other
        pub category: String,
        pub item: String,
        /// Gross amount over `period_months`.
        pub amount_fen: Option<i64>,
        /// Employment costs, business costs, transfer expenditure… deducted from `amount_fen`.
        pub cost_fen: Option<i64>,
        pub period_months: Option<u32>,
        pub exempt: Option<bool>,
        pub exempt_code: Option<String>,
        /// 核对 | document | self_declared | observed
        pub evidence: Option<String>,
        pub note: Option<String>,
        /// What the amount is made of, by kind of income.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub detail: IncomeDetail,
    }
}

schema_struct! {
    /// The particulars behind an income row (domain §3.2-D): the amount stays what the rules count;
    /// these let a reviewer check it.
    pub struct IncomeDetail {
        /// 种植: crop, area in 亩, yield in kg, price in 分 per kg.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub crop: Option<String>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub area_mu: Option<f64>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub yield_kg: Option<f64>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub price_fen_per_kg: Option<i64>,
        /// 养殖: species, head count kept, head sold.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub species: Option<String>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub head_count: Option<u32>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub head_sold: Option<u32>,
        /// 个体经营 / 工资: the business or employer.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub business: Option<String>,
        /// 转移性 and 财产性: who pays.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub payer: Option<String>,
        /// Months actually worked (a seasonal wage): shown beside the period it covers.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub months_worked: Option<u32>,
    }
}

schema_struct! {
    pub struct PropertyRow {
        #[key]
        pub id: String,
        /// deposit | securities | insurance | vehicle | house | livestock | land | grassland |
        /// forest | machinery | business | claim | other
        pub kind: String,
        pub description: String,
        pub quantity: Option<f64>,
        pub unit: Option<String>,
        pub value_fen: Option<i64>,
        pub owner_member_id: Option<String>,
        pub exempt_reason: Option<String>,
        pub note: Option<String>,
        /// Houses: floor area and where.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub area_m2: Option<f64>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub location: Option<String>,
        /// Vehicles and ships: type (vocabulary `vehicle_type`), plate, use (`vehicle_use`).
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub vehicle_type: Option<String>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub plate: Option<String>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub usage: Option<String>,
    }
}

schema_struct! {
    /// Rigid expenditure (刚性支出).
    pub struct Expenditure {
        #[key]
        pub id: String,
        /// medical | education | disability | living | other
        pub kind: String,
        pub member_id: Option<String>,
        pub amount_fen: Option<i64>,
        pub period_months: Option<u32>,
        pub evidence: Option<String>,
        pub note: Option<String>,
    }
}

schema_struct! {
    /// 吃穿住用: how the family actually lives.
    pub struct LivingConditions {
        pub food: Option<String>,
        pub clothing: Option<String>,
        pub housing: Option<String>,
        pub daily_goods: Option<String>,
        /// self_built | commercial | homestead | rented | borrowed | other
        pub housing_type: Option<String>,
        pub housing_area_m2: Option<f64>,
        pub notes: Option<String>,
    }
}

schema_struct! {
    /// Auxiliary indicators (domain §3.2-G).
    pub struct Auxiliary {
        pub water_fen_month: Option<i64>,
        pub electricity_fen_month: Option<i64>,
        pub gas_fen_month: Option<i64>,
        pub telecom_fen_month: Option<i64>,
        pub property_fee_fen_month: Option<i64>,
        pub high_fee_schooling: Option<bool>,
        pub foreign_travel: Option<bool>,
        pub non_essential_goods: Option<String>,
        pub notes: Option<String>,
    }
}

schema_struct! {
    /// 邻里访问.
    pub struct Interview {
        #[key]
        pub id: String,
        pub name: String,
        pub relation: String,
        pub statement: String,
        pub at: Option<i64>,
    }
}

schema_struct! {
    pub struct Observation {
        #[key]
        pub id: String,
        pub text: String,
        pub by: String,
        pub at: Option<i64>,
    }
}

schema_struct! {
    pub struct Gps {
        pub lat: f64,
        pub lon: f64,
    }
}

schema_struct! {
    /// A photo: the bytes are a content-addressed blob, never in the document.
    pub struct PhotoRef {
        #[key]
        pub hash: String,
        pub bytes: u64,
        pub width: u32,
        pub height: u32,
        pub taken_at: Option<i64>,
        pub gps: Option<Gps>,
        pub caption: String,
        /// exterior | interior | appliance | document | other (住房外观, 室内, 家电, 证件, 其他)
        pub tag: String,
        /// Who took it (investigator name).
        pub by: String,
        pub added_at: Option<i64>,
    }
}

schema_struct! {
    pub struct Signature {
        #[key]
        pub id: String,
        /// investigator | member
        pub role: String,
        pub name: String,
        pub member_id: Option<String>,
        /// Blob hash of the signature image (or thumbprint photo).
        pub image_hash: Option<String>,
        pub thumbprint: Option<bool>,
        pub signed_at: Option<i64>,
        /// The visit content hash this signature binds to.
        pub content_hash: Option<String>,
    }
}

schema_struct! {
    /// One household visit (入户调查).
    pub struct Visit {
        #[key]
        pub id: String,
        /// home | phone | video (入户 / 电话 / 视频)
        pub method: String,
        /// ≥2 investigators (names).
        pub investigators: Vec<String>,
        pub village_assistant: Option<String>,
        pub started_at: Option<i64>,
        pub members: Vec<VerifiedMember>,
        pub income: Vec<IncomeRow>,
        pub property: Vec<PropertyRow>,
        pub expenditures: Vec<Expenditure>,
        pub living: LivingConditions,
        pub auxiliary: Auxiliary,
        pub interviews: Vec<Interview>,
        pub observations: Vec<Observation>,
        pub photos: Vec<PhotoRef>,
        pub signatures: Vec<Signature>,
        pub finalized: bool,
        pub finalized_at: Option<i64>,
        /// SHA-256 of the visit's content (everything but signatures and the seal itself).
        pub content_hash: Option<String>,
        /// A correction of a sealed visit references the visit it corrects.
        pub supersedes: Option<String>,
        /// A family member refused, without good reason, to cooperate (S1 Art. 29). Left out of
        /// the JSON when absent, so visits sealed before the field existed keep their hash.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub refusal: Option<CooperationRefusal>,
        /// When the team was actually at the door (unix ms), as the investigators record it;
        /// `started_at` is only when the form was opened.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub visited_at: Option<i64>,
        /// The household's circumstances as verified: how it applied, residence, payment account,
        /// current benefit and employment (渐退), single-person coverage.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub household: HouseholdFacts,
        /// 法定赡养/抚养/扶养义务人 living elsewhere.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub supporters: Vec<SupporterRow>,
        /// 调查人员意见.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub opinion: Option<String>,
        /// 探访 (issue 15): the situation, needs and risks found in each area the policy names.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub needs: Vec<VisitNeed>,
    }
}

schema_struct! {
    /// One area of a 探访: what the team found, what the family needs, what risk it runs.
    pub struct VisitNeed {
        #[key]
        pub id: String,
        /// Vocabulary `visit_area`: basic_living | medical | education | housing | employment | care.
        pub area: String,
        pub situation: String,
        pub need: String,
        pub risk: String,
    }
}

schema_struct! {
    /// Household-level facts of a visit (domain §3.2-A, H; §4 渐退; §5.1 单人户).
    pub struct HouseholdFacts {
        /// 申请方式: self | agent (vocabulary `application_method`).
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub application_method: Option<String>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub agent_name: Option<String>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub agent_id_number: Option<String>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub agent_relation: Option<String>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub agent_phone: Option<String>,
        /// 委托书 seen (its photo is tagged `mandate`).
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub mandate_seen: Option<bool>,
        /// 人户分离: registered at one place, living at another.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub separated_residence: Option<bool>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub usual_residence: Option<String>,
        /// Account the benefit is paid to.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub bank_name: Option<String>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub bank_account_holder: Option<String>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub bank_account_no: Option<String>,
        /// 渐退: the monthly 低保 now paid to the household, and when a member started work.
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub current_benefit_fen: Option<i64>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub employment_started_on: Option<String>,
        /// 单人保: the member applying as a single-person household (S1 Art. 8) and on which
        /// ground (vocabulary `single_person_condition`).
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub single_person_member_id: Option<String>,
        #[serde(skip_serializing_if = "default_when_hashing")]
        pub single_person_condition: Option<String>,
    }
}

schema_struct! {
    /// A legal supporter (法定赡养/抚养/扶养义务人) living elsewhere (domain §3.2-C).
    pub struct SupporterRow {
        #[key]
        pub id: String,
        pub name: String,
        /// Vocabulary `supporter_relation`.
        pub relation: String,
        pub id_number: Option<String>,
        /// Size of the supporter's own household.
        pub household_size: Option<u32>,
        /// The supporter's household income per month, in 分.
        pub income_fen_month: Option<i64>,
        pub property_note: Option<String>,
        /// Able to support; None until checked.
        pub able: Option<bool>,
        /// Why unable (vocabulary `supporter_unable`, S2 Art. 8).
        pub unable_reason: Option<String>,
        /// Support actually paid to the family per month, in 分.
        pub support_paid_fen_month: Option<i64>,
        pub note: Option<String>,
    }
}

schema_struct! {
    /// What the team recorded when a member refused to cooperate: who, what they refused, and
    /// when. The visit is then sealed by the investigators alone; the township may end the
    /// application (终止) on that record.
    pub struct CooperationRefusal {
        pub member: String,
        pub what: String,
        pub at: Option<i64>,
    }
}

schema_struct! {
    /// Append-only finding; never edited in place.
    pub struct Finding {
        #[key]
        pub id: String,
        pub text: String,
        pub by: String,
        pub at: Option<i64>,
        pub visit_id: Option<String>,
    }
}

schema_struct! {
    pub struct NoteResponse {
        #[key]
        pub id: String,
        pub text: String,
        pub by: String,
        pub at: Option<i64>,
    }
}

schema_struct! {
    /// "Return for correction" note from a caseworker, pinned to a field path.
    pub struct ReviewNote {
        #[key]
        pub id: String,
        /// Dotted path into the document, e.g. `visits.0.income.1.amount_fen`.
        pub path: Option<String>,
        pub text: String,
        pub by: String,
        pub at: Option<i64>,
        pub responses: Vec<NoteResponse>,
        pub resolved: bool,
    }
}

impl Visit {
    /// A fresh visit with a new id.
    pub fn new(method: &str, investigators: Vec<String>, now_ms: i64) -> Self {
        Visit {
            id: crate::ids::new_row_id(),
            method: method.to_string(),
            investigators,
            started_at: Some(now_ms),
            ..Default::default()
        }
    }

    /// SHA-256 of the visit content that signatures bind to: the visit as JSON with the seal and the
    /// signatures left out. serde serialises struct fields in declaration order, so it is canonical.
    pub fn content_hash(&self) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(self.hashed_form()))
    }

    /// The bytes [`Visit::content_hash`] hashes.
    fn hashed_form(&self) -> Vec<u8> {
        let mut v = self.clone();
        v.signatures.clear();
        v.finalized = false;
        v.finalized_at = None;
        v.content_hash = None;
        struct Hashing;
        impl Drop for Hashing {
            fn drop(&mut self) {
                HASHING.with(|h| h.set(false));
            }
        }
        HASHING.with(|h| h.set(true));
        let guard = Hashing;
        let json = serde_json::to_vec(&v).expect("visit serialises to JSON");
        drop(guard);
        json
    }
}

impl Checked {
    /// A field to verify, showing what was declared (nothing when the declaration was empty).
    pub fn from_declared(declared: &str) -> Checked {
        Checked {
            declared: (!declared.is_empty()).then(|| declared.to_string()),
            ..Default::default()
        }
    }
}

impl CaseDoc {
    /// Index of the visit being edited: the last one not sealed.
    pub fn open_visit_index(&self) -> Option<usize> {
        self.visits.iter().rposition(|v| !v.finalized)
    }

    /// Make sure a visit is open and that each declared member has a row to verify beside the
    /// declared values (a new visit after a sealed one references it in `supersedes`). The server calls it when it assigns a team, so the rows exist before any
    /// tablet goes offline: two tablets laying them out concurrently would each insert a copy.
    /// `me` (may be empty) joins the investigators. Returns the visit's index.
    pub fn ensure_open_visit(&mut self, me: &str, now_ms: i64) -> usize {
        let case = self;
        let i = match case.open_visit_index() {
            Some(i) => i,
            None => {
                let mut team = case.header.assigned_team.clone();
                if team.is_empty() && !me.is_empty() {
                    team.push(me.to_string());
                }
                let mut visit = Visit::new("home", team, now_ms);
                // A visit after a sealed one corrects it (a re-investigation after a return or an
                // objection), and says which.
                visit.supersedes = case
                    .visits
                    .iter()
                    .rev()
                    .find(|v| v.finalized)
                    .map(|v| v.id.clone());
                case.visits.push(visit);
                case.visits.len() - 1
            }
        };
        let declared = case.declared.members.clone();
        let v = &mut case.visits[i];
        if v.method.is_empty() {
            v.method = "home".into();
        }
        if !me.is_empty() && !v.investigators.iter().any(|n| n == me) {
            v.investigators.push(me.to_string());
        }
        for d in &declared {
            if v.members
                .iter()
                .any(|m| m.declared_id.as_deref() == Some(&d.id))
            {
                continue;
            }
            v.members.push(VerifiedMember {
                id: crate::ids::new_row_id(),
                declared_id: Some(d.id.clone()),
                status: "present".into(),
                name: Checked::from_declared(&d.name),
                id_number: Checked::from_declared(&d.id_number),
                sex: Checked::from_declared(&d.sex),
                birth_date: Checked::from_declared(&d.birth_date),
                ethnicity: Checked::from_declared(&d.ethnicity),
                relation: Checked::from_declared(&d.relation),
                hukou_type: Checked::from_declared(&d.hukou_type),
                marital_status: Checked::from_declared(&d.marital_status),
                education: Checked::from_declared(&d.education),
                school_stage: Checked::from_declared(&d.school_stage),
                health: Checked::from_declared(&d.health),
                disease: Checked::from_declared(&d.disease),
                disability_type: Checked::from_declared(&d.disability_type),
                disability_grade: Checked::from_declared(&d.disability_grade),
                disability_cert_no: Checked::from_declared(&d.disability_cert_no),
                work_capacity: Checked::from_declared(&d.work_capacity),
                employment: Checked::from_declared(&d.employment),
                employer: Checked::from_declared(&d.employer),
                counted: Some(true),
                ..Default::default()
            });
        }
        i
    }

    /// Fill empty row ids with fresh ones (rows created through `set` start without one).
    pub fn fill_missing_ids(&mut self) {
        fn fill(id: &mut String) {
            if id.is_empty() {
                *id = crate::ids::new_row_id();
            }
        }
        self.declared
            .members
            .iter_mut()
            .for_each(|m| fill(&mut m.id));
        self.declared
            .income
            .iter_mut()
            .for_each(|r| fill(&mut r.id));
        self.declared
            .property
            .iter_mut()
            .for_each(|r| fill(&mut r.id));
        self.declared
            .expenditures
            .iter_mut()
            .for_each(|r| fill(&mut r.id));
        for v in &mut self.visits {
            fill(&mut v.id);
            v.members.iter_mut().for_each(|r| fill(&mut r.id));
            v.income.iter_mut().for_each(|r| fill(&mut r.id));
            v.property.iter_mut().for_each(|r| fill(&mut r.id));
            v.expenditures.iter_mut().for_each(|r| fill(&mut r.id));
            v.interviews.iter_mut().for_each(|r| fill(&mut r.id));
            v.observations.iter_mut().for_each(|r| fill(&mut r.id));
            v.signatures.iter_mut().for_each(|r| fill(&mut r.id));
            v.supporters.iter_mut().for_each(|r| fill(&mut r.id));
            v.needs.iter_mut().for_each(|r| fill(&mut r.id));
        }
        self.findings.iter_mut().for_each(|r| fill(&mut r.id));
        for n in &mut self.review_notes {
            fill(&mut n.id);
            n.responses.iter_mut().for_each(|r| fill(&mut r.id));
        }
    }

    /// The blobs of the application's documents.
    pub fn document_hashes(&self) -> Vec<String> {
        self.declared
            .documents
            .iter()
            .map(|d| d.hash.clone())
            .collect()
    }

    /// Every photo hash referenced by any visit.
    pub fn photo_hashes(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .visits
            .iter()
            .flat_map(|v| {
                v.photos
                    .iter()
                    .map(|p| p.hash.clone())
                    .chain(v.signatures.iter().filter_map(|s| s.image_hash.clone()))
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_added_later_leave_the_hash_of_older_visits_alone() {
        let mut v = Visit::new("home", vec!["王五".into(), "赵六".into()], 1);
        v.members.push(VerifiedMember {
            id: "m".into(),
            ..Default::default()
        });
        v.income.push(IncomeRow::default());
        v.property.push(PropertyRow::default());
        let hashed = String::from_utf8(v.hashed_form()).unwrap();
        let shown = serde_json::to_string(&v).unwrap();
        for key in [
            "visited_at",
            "household",
            "supporters",
            "opinion",
            "self_care",
            "caregiver",
            "detail",
            "area_m2",
            "plate",
        ] {
            let key = format!("\"{key}\":");
            assert!(!hashed.contains(&key), "{key} is hashed while empty");
            assert!(shown.contains(&key), "{key} is missing from the JSON form");
        }
        // Once recorded, they are part of what the signatures bind.
        let before = v.content_hash();
        v.household.bank_account_no = Some("6228480019800101999".into());
        assert_ne!(v.content_hash(), before);
        v.household.bank_account_no = None;
        v.members[0].self_care.bathing = Some(true);
        assert_ne!(v.content_hash(), before);
    }
}
