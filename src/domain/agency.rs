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

#[cfg(test)]
mod tests {
    use super::*;

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
