//! 转送 — where a petition that is not this agency's business should go: the
//! competent type of agency from the petition (a litigation petition's case
//! number names its court, procuratorate or police; otherwise its category), and
//! of that type, the body of the same place first, then the bodies above it.

use super::agency::AgencyType;
use super::ids::AgencyId;
use super::petition::{PetitionCategory, PetitionKind};

/// An agency as routing sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub id: AgencyId,
    pub agency_type: AgencyType,
    pub parent_id: Option<AgencyId>,
    pub region: String,
}

/// The type of agency competent for a petition. A case number tells whose case
/// it is: 检 (procuratorate), 公 (public security), 监 (prison), otherwise a court's.
pub fn competent_type(
    kind: PetitionKind,
    category: PetitionCategory,
    case_number: Option<&str>,
) -> AgencyType {
    if kind == PetitionKind::Litigation
        && let Some(number) = case_number.filter(|n| !n.trim().is_empty())
    {
        return if number.contains('检') {
            AgencyType::Procuratorate
        } else if number.contains('公') {
            AgencyType::PublicSecurity
        } else if number.contains('监') {
            AgencyType::Prison
        } else {
            AgencyType::Court
        };
    }
    category.suggested_agency_type()
}

/// Up to three agencies to transfer to, best first: of the competent type, the
/// one in the current agency's place, then those above it, then the rest of the
/// type; never the current agency.
pub fn suggestions(current: &Place, competent: AgencyType, all: &[Place]) -> Vec<AgencyId> {
    let of_type: Vec<&Place> = all
        .iter()
        .filter(|a| a.agency_type == competent && a.id != current.id)
        .collect();
    let by_id = |id: AgencyId| all.iter().find(|a| a.id == id);
    // The chain of places upward from the current agency: itself, its parent, …
    let mut chain: Vec<&str> = Vec::new();
    let mut at = Some(current);
    while let Some(a) = at {
        chain.push(a.region.as_str());
        at = a.parent_id.and_then(by_id);
        if chain.len() > 10 {
            break;
        }
    }
    let mut ranked: Vec<(usize, AgencyId)> = of_type
        .iter()
        .map(|a| {
            let rank = chain
                .iter()
                .position(|r| *r == a.region)
                .unwrap_or(chain.len());
            (rank, a.id)
        })
        .collect();
    ranked.sort();
    ranked.into_iter().take(3).map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(id: i32, t: AgencyType, parent: Option<i32>, region: &str) -> Place {
        Place {
            id: AgencyId(id),
            agency_type: t,
            parent_id: parent.map(AgencyId),
            region: region.to_owned(),
        }
    }

    #[test]
    fn a_case_number_names_the_competent_body() {
        use AgencyType::*;
        assert_eq!(
            competent_type(
                PetitionKind::Litigation,
                PetitionCategory::CaseHandling,
                Some("（2024）江0101民初55号")
            ),
            Court
        );
        assert_eq!(
            competent_type(
                PetitionKind::Litigation,
                PetitionCategory::CaseHandling,
                Some("江北检刑诉〔2026〕45号")
            ),
            Procuratorate
        );
        assert_eq!(
            competent_type(
                PetitionKind::Litigation,
                PetitionCategory::CaseHandling,
                Some("江北公（刑）立字〔2026〕301号")
            ),
            PublicSecurity
        );
        assert_eq!(
            competent_type(
                PetitionKind::Complaint,
                PetitionCategory::LegalService,
                None
            ),
            JusticeBureau
        );
        assert_eq!(
            competent_type(
                PetitionKind::Report,
                PetitionCategory::Traffic,
                Some("（2024）江0101民初55号")
            ),
            PublicSecurity,
            "only a litigation petition is routed by its case number"
        );
    }

    #[test]
    fn the_same_place_first_then_upward() {
        use AgencyType::*;
        let all = vec![
            place(1, Court, None, "江南省"),
            place(2, Court, Some(1), "临江市"),
            place(3, Court, Some(2), "江北区"),
            place(4, Court, Some(2), "南溪县"),
            place(10, JusticeBureau, None, "江南省"),
            place(11, JusticeBureau, Some(10), "临江市"),
            place(12, JusticeBureau, Some(11), "江北区"),
        ];
        // A county court transfers a lawyer complaint: the county justice bureau, then the city's, then the province's.
        assert_eq!(
            suggestions(&all[2], JusticeBureau, &all),
            [12, 11, 10].map(AgencyId).to_vec()
        );
        // A county justice bureau transfers an enforcement matter: the county court first.
        assert_eq!(
            suggestions(&all[6], Court, &all),
            [3, 2, 1].map(AgencyId).to_vec()
        );
        // Never itself.
        assert!(!suggestions(&all[2], Court, &all).contains(&AgencyId(3)));
    }
}
