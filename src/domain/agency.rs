//! 机关 — the enforcement bodies and their hierarchy.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The kind of body; routing, procedures and clocks differ by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyType {
    /// 人民法院
    Court,
    /// 人民检察院
    Procuratorate,
    /// 公安机关
    PublicSecurity,
    /// 司法行政机关（司法局/司法厅）
    JusticeBureau,
    /// 监狱
    Prison,
    /// 政法委
    PoliticalLegalCommittee,
}

impl AgencyType {
    pub const ALL: [AgencyType; 6] = [
        AgencyType::Court,
        AgencyType::Procuratorate,
        AgencyType::PublicSecurity,
        AgencyType::JusticeBureau,
        AgencyType::Prison,
        AgencyType::PoliticalLegalCommittee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyType::Court => "court",
            AgencyType::Procuratorate => "procuratorate",
            AgencyType::PublicSecurity => "public_security",
            AgencyType::JusticeBureau => "justice_bureau",
            AgencyType::Prison => "prison",
            AgencyType::PoliticalLegalCommittee => "political_legal_committee",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// 层级 — where an agency sits; a review goes one level up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyLevel {
    /// 省级
    Province,
    /// 市级
    City,
    /// 县级
    County,
}

impl AgencyLevel {
    pub const ALL: [AgencyLevel; 3] = [
        AgencyLevel::Province,
        AgencyLevel::City,
        AgencyLevel::County,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyLevel::Province => "province",
            AgencyLevel::City => "city",
            AgencyLevel::County => "county",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The hierarchy of agencies: who is below whom. A county's bodies are below
/// their city's, a city's below the province's (a prison below the provincial
/// justice department).
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    parent: std::collections::HashMap<super::ids::AgencyId, Option<super::ids::AgencyId>>,
    order: Vec<super::ids::AgencyId>,
}

impl Hierarchy {
    /// From (agency, parent) pairs, parents first as the agencies list them.
    pub fn new(
        pairs: impl IntoIterator<Item = (super::ids::AgencyId, Option<super::ids::AgencyId>)>,
    ) -> Self {
        let mut h = Hierarchy::default();
        for (id, parent) in pairs {
            h.order.push(id);
            h.parent.insert(id, parent);
        }
        h
    }

    pub fn parent(&self, id: super::ids::AgencyId) -> Option<super::ids::AgencyId> {
        self.parent.get(&id).copied().flatten()
    }

    /// Whether `agency` is `root` or below it.
    pub fn is_within(&self, agency: super::ids::AgencyId, root: super::ids::AgencyId) -> bool {
        let mut at = Some(agency);
        let mut steps = 0;
        while let Some(a) = at {
            if a == root {
                return true;
            }
            at = self.parent(a);
            steps += 1;
            if steps > 32 {
                return false;
            }
        }
        false
    }

    /// `root` and every agency below it, in the agencies' order.
    pub fn subtree(&self, root: super::ids::AgencyId) -> Vec<super::ids::AgencyId> {
        self.order
            .iter()
            .copied()
            .filter(|a| self.is_within(*a, root))
            .collect()
    }

    /// How many levels `agency` is below `root` (0 for itself).
    pub fn depth_below(&self, agency: super::ids::AgencyId, root: super::ids::AgencyId) -> usize {
        let mut at = agency;
        let mut depth = 0;
        while at != root {
            match self.parent(at) {
                Some(p) if depth < 32 => {
                    at = p;
                    depth += 1;
                }
                _ => return 0,
            }
        }
        depth
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_province_sees_its_cities_and_counties_a_city_its_counties() {
        use super::super::ids::AgencyId as A;
        let h = Hierarchy::new([
            (A(1), None),
            (A(2), Some(A(1))),
            (A(3), Some(A(2))),
            (A(4), Some(A(2))),
            (A(5), Some(A(1))),
            (A(6), Some(A(5))),
        ]);
        assert_eq!(h.subtree(A(1)).len(), 6);
        assert_eq!(h.subtree(A(2)), vec![A(2), A(3), A(4)]);
        assert_eq!(h.subtree(A(3)), vec![A(3)]);
        assert!(h.is_within(A(4), A(1)));
        assert!(!h.is_within(A(4), A(5)), "another city's county");
        assert!(!h.is_within(A(2), A(3)), "not upward");
        assert_eq!(h.depth_below(A(4), A(1)), 2);
    }

    #[test]
    fn names_round_trip() {
        for t in AgencyType::ALL {
            assert_eq!(AgencyType::parse(t.as_str()), Some(t));
        }
        for l in AgencyLevel::ALL {
            assert_eq!(AgencyLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(AgencyType::parse("army"), None);
    }
}

/// 联系方式 — where a citizen reaches an agency's petition reception office.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AgencyContact {
    #[serde(default)]
    pub address_zh: String,
    #[serde(default)]
    pub address_en: String,
    /// Reception hours, in words (工作日 9:00–12:00 …).
    #[serde(default)]
    pub hours_zh: String,
    #[serde(default)]
    pub hours_en: String,
    /// The reception telephone, as dialled (digits, spaces, `-`, `+`, `()`).
    #[serde(default)]
    pub phone: String,
}

/// Why a contact entry was refused (the field named).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("{0} is longer than {1} characters")]
    TooLong(&'static str, usize),
    #[error("phone {0:?} holds something other than digits, spaces, -, + and ()")]
    Phone(String),
}

impl AgencyContact {
    /// Trims every field and checks lengths (the columns') and the phone's characters.
    pub fn validated(self) -> Result<Self, ContactError> {
        let c = AgencyContact {
            address_zh: self.address_zh.trim().to_owned(),
            address_en: self.address_en.trim().to_owned(),
            hours_zh: self.hours_zh.trim().to_owned(),
            hours_en: self.hours_en.trim().to_owned(),
            phone: self.phone.trim().to_owned(),
        };
        for (name, value, max) in [
            ("address_zh", &c.address_zh, 200),
            ("address_en", &c.address_en, 300),
            ("hours_zh", &c.hours_zh, 200),
            ("hours_en", &c.hours_en, 300),
            ("phone", &c.phone, 40),
        ] {
            if value.chars().count() > max {
                return Err(ContactError::TooLong(name, max));
            }
        }
        if !c
            .phone
            .chars()
            .all(|ch| ch.is_ascii_digit() || " -+()".contains(ch))
        {
            return Err(ContactError::Phone(c.phone));
        }
        Ok(c)
    }

    pub fn is_empty(&self) -> bool {
        self.address_zh.is_empty() && self.hours_zh.is_empty() && self.phone.is_empty()
    }
}

/// A national service hotline (服务热线) for a kind of body: the number is the
/// same everywhere in the country, so it is a rule here, not operator data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Hotline {
    pub number: &'static str,
    /// The Fluent key of what it is for.
    pub key: &'static str,
}

impl AgencyType {
    /// The national hotline citizens call about this kind of body, if there is one.
    pub fn hotline(self) -> Option<Hotline> {
        let (number, key) = match self {
            AgencyType::Court => ("12368", "help-hotline-12368"),
            AgencyType::Procuratorate => ("12309", "help-hotline-12309"),
            AgencyType::PublicSecurity => ("12389", "help-hotline-12389"),
            // Prisons answer to the justice department (监狱管理局).
            AgencyType::JusticeBureau | AgencyType::Prison => ("12348", "help-hotline-12348"),
            AgencyType::PoliticalLegalCommittee => return None,
        };
        Some(Hotline { number, key })
    }
}

#[cfg(test)]
mod contact_tests {
    use super::*;

    #[test]
    fn a_contact_is_trimmed_and_checked() {
        let c = AgencyContact {
            address_zh: "  临江市江北区滨江路1号 ".into(),
            phone: " 0000-8123 4567 ".into(),
            ..Default::default()
        }
        .validated()
        .unwrap();
        assert_eq!(c.address_zh, "临江市江北区滨江路1号");
        assert_eq!(c.phone, "0000-8123 4567");
        let bad = AgencyContact {
            phone: "call 110".into(),
            ..Default::default()
        };
        assert!(matches!(bad.validated(), Err(ContactError::Phone(_))));
        let long = AgencyContact {
            hours_zh: "工".repeat(201),
            ..Default::default()
        };
        assert_eq!(
            long.validated(),
            Err(ContactError::TooLong("hours_zh", 200))
        );
    }

    #[test]
    fn every_kind_but_the_committee_has_a_hotline() {
        assert_eq!(AgencyType::Court.hotline().unwrap().number, "12368");
        assert_eq!(AgencyType::Prison.hotline().unwrap().number, "12348");
        assert!(AgencyType::PoliticalLegalCommittee.hotline().is_none());
    }
}
