//! Cases created from a file by the admin command line (`admin add-case`: a case accepted on
//! paper), and the command line's assignment of a team. Both go the way a console user's would:
//! the case gets its flow, the team is named by an engine action.

use super::config::WorkflowConfig;
use super::flow::{
    DeclaredPerson, Facts, Flow, Member, SignMode, SignedDoc, programme_of_case_type,
};
use super::flows::{in_txn, put_flow};
use super::service::{ActionInput, act_assigning, write_header};
use super::{Result, Who, WorkflowError};
use crate::audit::AuditEvent;
use crate::store::Store;
use crate::sync_engine::write_server_change;
use jiuzhu_shared::CaseId;
use jiuzhu_shared::policy::Grant;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::schema::{CaseDoc, SCHEMA_VERSION};
use jiuzhu_shared::workflow::{Action, CaseKind, Role, State};
use serde_json::json;

/// The admin command line as the workflow's actor: it acts for the township, as its lead.
pub fn command_line(store: &dyn Store) -> Result<Who> {
    Ok(Who {
        name: "管理员（命令行）".into(),
        role: Role::Lead,
        actor: store.server_actor()?,
        audit: "admin (command line)".into(),
    })
}

/// Create a case from JSON (the header and declared section of the case schema), accepted on
/// paper: its flow starts in `accepted` with today as the day of 受理. The paper file holds the
/// applicant's 承诺书 and each adult member's 授权核对书; the flow records them as paper
/// signatures taken by the command line (the scans stay in the paper file).
pub fn add_case(
    store: &dyn Store,
    config: &WorkflowConfig,
    json_text: &str,
    now: i64,
) -> Result<CaseId> {
    let mut case: CaseDoc = serde_json::from_str(json_text).map_err(|e| {
        WorkflowError::Invalid(format!("the case file does not match the case schema: {e}"))
    })?;
    if case.header.township.trim().is_empty() {
        return Err(WorkflowError::Invalid(
            "the case file names no township (header.township)".into(),
        ));
    }
    let id = CaseId::new();
    case.case_id = id.to_string();
    case.schema_version = SCHEMA_VERSION;
    case.fill_missing_ids();
    let today = Date::in_china(now);
    let who = command_line(store)?;
    let facts = Facts {
        signatures: paper_signatures(&case, &who, today, now),
        declared_people: declared_people(&case),
        ..Facts::default()
    };
    let flow = Flow {
        case_id: id.to_string(),
        case_no: case.header.case_no.clone(),
        programme: programme_of_case_type(&case.header.case_type),
        kind: CaseKind::Application,
        state: State::Accepted,
        entered: today,
        accepted: Some(today),
        township: case.header.township.trim().to_string(),
        phone: None,
        origin: None,
        records: 0,
        facts,
        application: None,
    };
    in_txn(store, &mut |txn| {
        write_server_change(txn, id, (who.actor, &Grant::server()), now, &mut |doc| {
            doc.write(&case, "create case", now)
        })?;
        put_flow(txn, &flow, now)?;
        write_header(txn, &flow, config, &who, now)?;
        txn.audit(&AuditEvent::new(
            now,
            who.audit.clone(),
            "add_case",
            Some(id.to_string()),
            json!({ "case_no": flow.case_no }),
        ))?;
        Ok(())
    })?;
    Ok(id)
}

/// The members of the case with an ID number.
pub(super) fn declared_people(case: &CaseDoc) -> Vec<DeclaredPerson> {
    let applicant_id = case.header.applicant_id_number.trim();
    let mut people: Vec<DeclaredPerson> = case
        .declared
        .members
        .iter()
        .filter(|m| !m.id_number.trim().is_empty())
        .map(|m| DeclaredPerson {
            name: m.name.clone(),
            id_number: m.id_number.trim().to_ascii_uppercase(),
            applicant: m.name == case.header.applicant_name,
        })
        .collect();
    if !applicant_id.is_empty() && !people.iter().any(|p| p.id_number == applicant_id) {
        people.insert(
            0,
            DeclaredPerson {
                name: case.header.applicant_name.clone(),
                id_number: applicant_id.to_ascii_uppercase(),
                applicant: true,
            },
        );
    }
    people
}

/// The 承诺书 of the applicant and the 授权核对书 of every adult declared member, as signed on
/// the paper file.
fn paper_signatures(case: &CaseDoc, who: &Who, today: Date, now: i64) -> Vec<SignedDoc> {
    let paper = |document: &str, signer: &str| SignedDoc {
        document: document.into(),
        signer: signer.into(),
        image_hash: String::new(),
        at: now,
        mode: SignMode::Paper,
        by: Some(who.name.clone()),
    };
    let mut signed = vec![paper("promise", &case.header.applicant_name)];
    let adults = case.declared.members.iter().filter(|m| {
        Member {
            birth_date: m.birth_date.clone(),
            id_number: m.id_number.clone(),
            ..Member::default()
        }
        .adult_on(today)
    });
    let mut names: Vec<&str> = adults.map(|m| m.name.as_str()).collect();
    if !names.contains(&case.header.applicant_name.as_str()) {
        names.insert(0, &case.header.applicant_name);
    }
    signed.extend(names.into_iter().map(|n| paper("consent", n)));
    signed
}

/// Name the case's team from the command line: 开始调查 on an accepted case, 调整调查组 on one
/// under investigation. The engine's rules apply (at least two investigators).
pub fn assign(
    store: &dyn Store,
    config: &WorkflowConfig,
    case: CaseId,
    users: &[String],
    now: i64,
) -> Result<()> {
    let flow = super::flows::flow(store, case)?;
    let action = match flow.state {
        State::Accepted => Action::StartInvestigation,
        State::Investigating => Action::ChangeTeam,
        s => {
            return Err(WorkflowError::Invalid(format!(
                "the case is {} ({}): a team is named when it is accepted or under investigation",
                s.code(),
                s.zh()
            )));
        }
    };
    let input = ActionInput {
        team: Some(users.to_vec()),
        ..ActionInput::new(action)
    };
    let investigators =
        |team: &[crate::store::User]| match team.iter().find(|u| u.role != Role::Investigator) {
            Some(u) => Err(WorkflowError::Invalid(format!(
                "{} is not an investigator",
                u.name
            ))),
            None => Ok(()),
        };
    let who = command_line(store)?;
    act_assigning(store, config, case, &who, &input, now, &investigators)?;
    Ok(())
}
