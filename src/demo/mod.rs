//! Demo content: a fictional province (江南省) with two cities and four
//! counties, each with a court, a procuratorate, a public-security bureau and a
//! justice bureau, plus a prison; real-world procedures with their actual legal
//! bases (`procedures.toml`); and a demo account for every role.
//!
//! The place names are invented so that a demo install is never mistaken for a
//! real agency's site. All demo staff share one password, printed on the console.

use crate::domain::agency::{AgencyLevel, AgencyType};
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::procedure::{ProcedureDraft, ProcedureInput};
use crate::domain::staff::{Email, Role};
use crate::store::Store;
use crate::store::agencies::NewAgency;
use anyhow::Context;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt::Write;

mod bench;
mod disclosed;
pub mod history;
mod matters;
pub use bench::bench_seed;

pub const DEMO_PASSWORD: &str = "mingjing-demo-2026";
const EMAIL_DOMAIN: &str = "demo.mingjing.example";

/// A region of the demo hierarchy: code, level, parent region, names.
struct Region {
    code: &'static str,
    level: AgencyLevel,
    parent: Option<&'static str>,
    zh: &'static str,
    en: &'static str,
}

const REGIONS: [Region; 7] = [
    Region {
        code: "jn",
        level: AgencyLevel::Province,
        parent: None,
        zh: "江南省",
        en: "Jiangnan Province",
    },
    Region {
        code: "lj",
        level: AgencyLevel::City,
        parent: Some("jn"),
        zh: "临江市",
        en: "Linjiang City",
    },
    Region {
        code: "qs",
        level: AgencyLevel::City,
        parent: Some("jn"),
        zh: "青山市",
        en: "Qingshan City",
    },
    Region {
        code: "lj-jb",
        level: AgencyLevel::County,
        parent: Some("lj"),
        zh: "临江市江北区",
        en: "Jiangbei District, Linjiang",
    },
    Region {
        code: "lj-nx",
        level: AgencyLevel::County,
        parent: Some("lj"),
        zh: "南溪县",
        en: "Nanxi County",
    },
    Region {
        code: "qs-dh",
        level: AgencyLevel::County,
        parent: Some("qs"),
        zh: "青山市东湖区",
        en: "Donghu District, Qingshan",
    },
    Region {
        code: "qs-bs",
        level: AgencyLevel::County,
        parent: Some("qs"),
        zh: "白石县",
        en: "Baishi County",
    },
];

/// The agency's name in both languages, after Chinese naming practice.
fn agency_names(region: &Region, t: AgencyType) -> (String, String) {
    let (zh, en) = (region.zh, region.en);
    match (t, region.level) {
        (AgencyType::Court, AgencyLevel::Province) => (
            format!("{zh}高级人民法院"),
            format!("{en} Higher People's Court"),
        ),
        (AgencyType::Court, AgencyLevel::City) => (
            format!("{zh}中级人民法院"),
            format!("{en} Intermediate People's Court"),
        ),
        (AgencyType::Court, AgencyLevel::County) => {
            (format!("{zh}人民法院"), format!("{en} People's Court"))
        }
        (AgencyType::Procuratorate, _) => (
            format!("{zh}人民检察院"),
            format!("{en} People's Procuratorate"),
        ),
        (AgencyType::PublicSecurity, AgencyLevel::Province) => (
            format!("{zh}公安厅"),
            format!("{en} Public Security Department"),
        ),
        (AgencyType::PublicSecurity, _) => (
            format!("{zh}公安局"),
            format!("{en} Public Security Bureau"),
        ),
        (AgencyType::JusticeBureau, AgencyLevel::Province) => {
            (format!("{zh}司法厅"), format!("{en} Department of Justice"))
        }
        (AgencyType::JusticeBureau, _) => (format!("{zh}司法局"), format!("{en} Justice Bureau")),
        (AgencyType::Prison, _) => (format!("{zh}监狱"), format!("{en} Prison")),
        (AgencyType::PoliticalLegalCommittee, _) => (
            format!("{zh}政法委员会"),
            format!("{en} Political and Legal Affairs Commission"),
        ),
    }
}

/// The demo's contact directory: fictional addresses on each region's 人民路
/// and telephone numbers under the unused area code 0000, so nobody calls a
/// real office from the demo.
async fn seed_contacts(store: &Store) -> anyhow::Result<()> {
    for (i, a) in store.agencies().await?.iter().enumerate() {
        let no = 10 + 12 * i;
        let contact = crate::domain::agency::AgencyContact {
            address_zh: format!("{}人民路{no}号 {}信访接待室", a.region_zh, a.name_zh),
            address_en: format!(
                "Petition reception office, {}, No. {no} Renmin Road, {}",
                a.name_en, a.region_en
            ),
            hours_zh: "工作日 9:00–12:00、13:30–17:30（法定节假日除外）".to_owned(),
            hours_en: "Working days 9:00–12:00 and 13:30–17:30 (closed on public holidays)"
                .to_owned(),
            phone: format!("0000-{}", 81_000_000 + 1_111 * i),
        };
        store.set_agency_contact(&a.code, &contact).await?;
    }
    Ok(())
}

fn type_code(t: AgencyType) -> &'static str {
    match t {
        AgencyType::Court => "court",
        AgencyType::Procuratorate => "proc",
        AgencyType::PublicSecurity => "psb",
        AgencyType::JusticeBureau => "justice",
        AgencyType::Prison => "prison",
        AgencyType::PoliticalLegalCommittee => "plc",
    }
}

#[derive(Deserialize)]
struct DemoFile {
    procedure: Vec<DemoProcedure>,
}

#[derive(Deserialize)]
struct DemoProcedure {
    agency: String,
    category: String,
    title_zh: String,
    title_en: String,
    summary_zh: String,
    #[serde(default)]
    summary_en: String,
    legal_basis: Vec<String>,
    steps: Vec<String>,
    time_limit: String,
    #[serde(default)]
    materials: Vec<String>,
    fees: String,
    appeal: String,
    /// Earlier texts, oldest first, published before this one to give the demo a history.
    #[serde(default)]
    earlier: Vec<Earlier>,
    #[serde(default)]
    change_note: String,
}

/// An earlier version: the fields that differed, the rest as in the current text.
#[derive(Deserialize, Default)]
struct Earlier {
    #[serde(default)]
    legal_basis: Option<Vec<String>>,
    #[serde(default)]
    steps: Option<Vec<String>>,
    #[serde(default)]
    time_limit: Option<String>,
    #[serde(default)]
    change_note: String,
}

impl DemoProcedure {
    fn input(&self, earlier: Option<&Earlier>) -> ProcedureInput {
        let pick = |e: Option<&Vec<String>>, now: &Vec<String>| e.unwrap_or(now).join("\n");
        ProcedureInput {
            category: self.category.clone(),
            title_zh: self.title_zh.clone(),
            title_en: self.title_en.clone(),
            summary_zh: self.summary_zh.clone(),
            summary_en: self.summary_en.clone(),
            legal_basis: pick(
                earlier.and_then(|e| e.legal_basis.as_ref()),
                &self.legal_basis,
            ),
            steps: pick(earlier.and_then(|e| e.steps.as_ref()), &self.steps),
            time_limit: earlier
                .and_then(|e| e.time_limit.clone())
                .unwrap_or_else(|| self.time_limit.clone()),
            materials: self.materials.join("\n"),
            fees: self.fees.clone(),
            appeal: self.appeal.clone(),
            change_note: earlier
                .map_or_else(|| self.change_note.clone(), |e| e.change_note.clone()),
        }
    }
}

fn draft(input: &ProcedureInput, title: &str) -> anyhow::Result<ProcedureDraft> {
    ProcedureDraft::parse(input)
        .map_err(|e| anyhow::anyhow!("demo procedure {title} is invalid: {e:?}"))
}

/// Seeds an empty database. Returns the console summary, or `None` when the
/// database already holds agencies (demo data is never mixed into real data).
pub async fn seed(store: &Store) -> anyhow::Result<Option<String>> {
    if !store.agencies().await?.is_empty() {
        return Ok(None);
    }
    let ids = seed_agencies(store).await?;
    seed_contacts(store).await?;

    // One hash for all demo accounts: argon2 is deliberately slow, and they share the password.
    let hash = tokio::task::spawn_blocking(|| crate::auth::password::hash(DEMO_PASSWORD)).await??;
    let mut out = String::new();
    writeln!(out, "\n明镜 Mingjing demo data")?;
    writeln!(
        out,
        "Demo staff (password for all: {DEMO_PASSWORD}) — log in at /staff/login:"
    )?;
    let mut codes: Vec<&String> = ids.keys().collect();
    codes.sort();
    let mut first_ids: HashMap<(String, Role), StaffId> = HashMap::new();
    for code in codes {
        let (agency_id, _) = ids[code];
        let mut line = format!("  {code:<14}");
        for role in Role::ALL {
            let email = Email::parse(&format!(
                "{}@{code}.{EMAIL_DOMAIN}",
                role.as_str().replace('_', "-")
            ))
            .context("demo e-mail address")?;
            let name = demo_name(code, role);
            let staff = store
                .insert_staff(&email, &name, role, agency_id, &hash)
                .await?;
            first_ids.insert((code.clone(), role), staff.id);
            line.push(' ');
            line.push_str(role.as_str().split('_').next().unwrap_or_default());
        }
        writeln!(out, "{line}")?;
    }
    writeln!(
        out,
        "  e-mail: <role>@<agency>.{EMAIL_DOMAIN}, role one of intake-clerk, handler, supervisor, auditor, admin"
    )?;
    writeln!(out, "  e.g. supervisor@jn-court.{EMAIL_DOMAIN}")?;

    let published = seed_procedures(store, &ids, &first_ids).await?;
    let supervisors: HashMap<String, (AgencyId, StaffId)> = ids
        .iter()
        .filter_map(|(code, (id, _))| {
            first_ids
                .get(&(code.clone(), Role::Supervisor))
                .map(|s| (code.clone(), (*id, *s)))
        })
        .collect();
    let (cases, answers) = disclosed::seed(store, &supervisors).await?;
    writeln!(
        out,
        "{} agencies, {} procedures published, {cases} cases disclosed, {answers} answers published.",
        ids.len(),
        published
    )?;
    Ok(Some(out))
}

/// The demo province's bodies: a court, procuratorate, public-security
/// bureau and justice bureau in each region, each under the body of its kind
/// one level up, and the province's prison; by code.
async fn seed_agencies(store: &Store) -> anyhow::Result<HashMap<String, (AgencyId, AgencyType)>> {
    let mut ids: HashMap<String, (AgencyId, AgencyType)> = HashMap::new();
    let types = [
        AgencyType::Court,
        AgencyType::Procuratorate,
        AgencyType::PublicSecurity,
        AgencyType::JusticeBureau,
    ];
    for region in &REGIONS {
        for t in types {
            // Each body's parent is the body of the same kind one level up.
            let parent = region
                .parent
                .and_then(|p| ids.get(&format!("{p}-{}", type_code(t))))
                .map(|(id, _)| *id);
            let code = format!("{}-{}", region.code, type_code(t));
            let (zh, en) = agency_names(region, t);
            let a = store
                .insert_agency(NewAgency {
                    code: &code,
                    agency_type: t,
                    level: region.level,
                    parent_id: parent,
                    name_zh: &zh,
                    name_en: &en,
                    region_zh: region.zh,
                    region_en: region.en,
                })
                .await?;
            ids.insert(code, (a.id, t));
        }
    }
    // The province's prison answers to the provincial justice department (监狱管理局).
    let prison_parent = ids.get("jn-justice").map(|(id, _)| *id);
    let prison = store
        .insert_agency(NewAgency {
            code: "jn-prison",
            agency_type: AgencyType::Prison,
            level: AgencyLevel::Province,
            parent_id: prison_parent,
            name_zh: "江南省临江监狱",
            name_en: "Jiangnan Provincial Linjiang Prison",
            region_zh: "江南省",
            region_en: "Jiangnan Province",
        })
        .await?;
    ids.insert("jn-prison".to_owned(), (prison.id, AgencyType::Prison));
    Ok(ids)
}

/// The demo procedures (`procedures.toml`), each published through its
/// earlier versions by its agency's supervisor; how many were published.
async fn seed_procedures(
    store: &Store,
    ids: &HashMap<String, (AgencyId, AgencyType)>,
    first_ids: &HashMap<(String, Role), StaffId>,
) -> anyhow::Result<usize> {
    let file: DemoFile =
        toml::from_str(include_str!("procedures.toml")).context("reading the demo procedures")?;
    let mut published = 0;
    for p in &file.procedure {
        let (agency_id, agency_type) = *ids.get(&p.agency).with_context(|| {
            format!(
                "demo procedure {} names unknown agency {}",
                p.title_zh, p.agency
            )
        })?;
        let author = first_ids
            .get(&(p.agency.clone(), Role::Supervisor))
            .copied();
        let scoped = store.agency_procedures(agency_id);
        let mut versions: Vec<ProcedureInput> =
            p.earlier.iter().map(|e| p.input(Some(e))).collect();
        versions.push(p.input(None));
        let first = draft(&versions[0], &p.title_zh)?;
        let mut summary = scoped.create(agency_type, &first, author).await?;
        for input in &versions[1..] {
            summary = scoped
                .publish(
                    summary.id,
                    summary.current_version,
                    &draft(input, &p.title_zh)?,
                    author,
                )
                .await?;
        }
        published += 1;
    }
    Ok(published)
}

/// Plausible demo names, distinct per agency and role.
fn demo_name(code: &str, role: Role) -> String {
    const SURNAMES: [&str; 12] = [
        "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
    ];
    const GIVEN: [&str; 5] = ["明", "静", "华", "敏", "强"];
    let n = code.bytes().map(usize::from).sum::<usize>();
    let r = Role::ALL.iter().position(|x| *x == role).unwrap_or(0);
    format!(
        "{}{}",
        SURNAMES[(n + r * 5) % SURNAMES.len()],
        GIVEN[(n + r) % GIVEN.len()]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_procedure_is_valid_and_there_are_enough() {
        let file: DemoFile = toml::from_str(include_str!("procedures.toml")).unwrap();
        assert!(
            file.procedure.len() >= 25,
            "only {} procedures",
            file.procedure.len()
        );
        let types: std::collections::HashSet<&str> = file
            .procedure
            .iter()
            .map(|p| p.agency.rsplit('-').next().unwrap())
            .collect();
        for t in ["court", "proc", "psb", "justice", "prison"] {
            assert!(types.contains(t), "no demo procedure for {t}");
        }
        for p in &file.procedure {
            for e in &p.earlier {
                ProcedureDraft::parse(&p.input(Some(e))).unwrap();
            }
            ProcedureDraft::parse(&p.input(None))
                .unwrap_or_else(|e| panic!("{}: {e:?}", p.title_zh));
        }
    }
}
