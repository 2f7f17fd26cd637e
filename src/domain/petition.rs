//! 信访事项 — complaints (投诉), reports (举报) and litigation-related petitions
//! (涉法涉诉信访): what a citizen files, validated.

use super::agency::AgencyType;
use super::fields::{FieldErrors, optional_text, required_text};
use super::ids::AgencyId;
use super::staff::Email;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PetitionKind {
    /// 投诉 — about how one was treated; filed under a real name.
    Complaint,
    /// 举报 — of wrongdoing; may be fully anonymous.
    Report,
    /// 涉法涉诉信访 — about a case in the legal process; under a real name, with the case number.
    Litigation,
}

impl PetitionKind {
    pub const ALL: [PetitionKind; 3] = [
        PetitionKind::Complaint,
        PetitionKind::Report,
        PetitionKind::Litigation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PetitionKind::Complaint => "complaint",
            PetitionKind::Report => "report",
            PetitionKind::Litigation => "litigation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Only a report may be filed without a name (实名 for the others, as Chinese practice expects).
    pub fn may_be_anonymous(self) -> bool {
        self == PetitionKind::Report
    }
}

/// What the petition is about; also suggests the competent agency when the
/// petitioner is not sure where to turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PetitionCategory {
    /// 执法作风 — conduct of officers
    Conduct,
    /// 案件办理 — handling of a case (filing, investigation, trial)
    CaseHandling,
    /// 执行 — enforcement of judgments
    Enforcement,
    /// 羁押与监管 — detention and custody
    Detention,
    /// 违纪违法 — misconduct and corruption of officials
    Misconduct,
    /// 行政处罚 — administrative penalties
    Penalty,
    /// 交通管理 — traffic
    Traffic,
    /// 法律服务 — lawyers, notaries, legal aid
    LegalService,
    /// 其他
    Other,
}

impl PetitionCategory {
    pub const ALL: [PetitionCategory; 9] = [
        PetitionCategory::Conduct,
        PetitionCategory::CaseHandling,
        PetitionCategory::Enforcement,
        PetitionCategory::Detention,
        PetitionCategory::Misconduct,
        PetitionCategory::Penalty,
        PetitionCategory::Traffic,
        PetitionCategory::LegalService,
        PetitionCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PetitionCategory::Conduct => "conduct",
            PetitionCategory::CaseHandling => "case_handling",
            PetitionCategory::Enforcement => "enforcement",
            PetitionCategory::Detention => "detention",
            PetitionCategory::Misconduct => "misconduct",
            PetitionCategory::Penalty => "penalty",
            PetitionCategory::Traffic => "traffic",
            PetitionCategory::LegalService => "legal_service",
            PetitionCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The kind of agency usually competent, for "not sure" petitions. The
    /// procuratorate, the organ of legal supervision, takes what fits nowhere else.
    pub fn suggested_agency_type(self) -> AgencyType {
        match self {
            PetitionCategory::CaseHandling | PetitionCategory::Enforcement => AgencyType::Court,
            PetitionCategory::Conduct | PetitionCategory::Penalty | PetitionCategory::Traffic => {
                AgencyType::PublicSecurity
            }
            PetitionCategory::LegalService => AgencyType::JusticeBureau,
            PetitionCategory::Detention
            | PetitionCategory::Misconduct
            | PetitionCategory::Other => AgencyType::Procuratorate,
        }
    }
}

/// A telephone number as Chinese agencies record it: a mobile (11 digits
/// starting 1[3-9]) or a landline with area code; `+86` and separators allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Option<Self> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let national = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .unwrap_or(&compact);
        if !national.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let b = national.as_bytes();
        let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
        let landline = (10..=12).contains(&b.len()) && b[0] == b'0' && b[1] != b'0';
        (mobile || landline).then(|| Phone(national.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A mainland mobile number (11 digits, 1[3-9]…): the only kind an SMS reaches.
    pub fn is_mobile(&self) -> bool {
        is_mobile(&self.0)
    }
}

/// Whether a stored (national, compact) number is a mainland mobile.
pub fn is_mobile(national: &str) -> bool {
    let b = national.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

pub use super::notify::Notify;

/// Who filed: a named person with a way to reach them, or nobody known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Complainant {
    Anonymous,
    Named {
        name: String,
        email: Option<Email>,
        phone: Option<Phone>,
    },
}

/// What the petition form sent, as raw text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PetitionInput {
    #[serde(default)]
    pub kind: String,
    /// An agency id, or `unsure`.
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub desired_outcome: String,
    #[serde(default)]
    pub related_case_number: String,
    /// `on` when the reporter stays anonymous.
    #[serde(default)]
    pub anonymous: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub contact_phone: String,
    /// `mail`, `sms` or `both`; empty: every channel with an address.
    #[serde(default)]
    pub notify: String,
}

/// The channel choice, checked against the addresses given: SMS needs a
/// mainland mobile number, mail an e-mail address.
fn notify_choice(e: &mut FieldErrors, input: &PetitionInput, who: &Complainant) -> Notify {
    let Complainant::Named { email, phone, .. } = who else {
        return Notify::Mail;
    };
    let mobile = phone.as_ref().is_some_and(Phone::is_mobile);
    match input.notify.trim() {
        "" => Notify::from_addresses(email.is_some(), mobile),
        raw => match Notify::parse(raw) {
            None => {
                e.add("notify", "error-choose-one");
                Notify::Mail
            }
            Some(n) => {
                if n.by_sms() && !mobile && e.get("contact_phone").is_none() {
                    e.add("contact_phone", "error-sms-needs-mobile");
                }
                if n.by_mail() && email.is_none() && e.get("contact_email").is_none() {
                    e.add("contact_email", "error-mail-needs-email");
                }
                n
            }
        },
    }
}

/// Where the petition goes: an agency the petitioner picked, or a suggestion from the category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgencyChoice {
    Chosen(AgencyId),
    Unsure(AgencyType),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PetitionDraft {
    pub kind: PetitionKind,
    pub agency: AgencyChoice,
    pub category: PetitionCategory,
    pub subject: String,
    pub title: String,
    pub description: String,
    pub desired_outcome: String,
    pub related_case_number: Option<String>,
    pub complainant: Complainant,
    /// How the petitioner is told of each step (mail for an anonymous report:
    /// there is nobody to text).
    pub notify: Notify,
}

pub const MAX_DESCRIPTION: usize = 5000;

impl PetitionDraft {
    pub fn parse(input: &PetitionInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = PetitionKind::parse(input.kind.trim());
        if kind.is_none() {
            e.add("kind", "error-choose-one");
        }
        let category = PetitionCategory::parse(input.category.trim());
        if category.is_none() {
            e.add("category", "error-choose-one");
        }
        let agency = match input.agency.trim() {
            "unsure" => category.map(|c| AgencyChoice::Unsure(c.suggested_agency_type())),
            "" => {
                e.add("agency", "error-choose-one");
                None
            }
            id => match id.parse::<AgencyId>() {
                Ok(id) => Some(AgencyChoice::Chosen(id)),
                Err(_) => {
                    e.add("agency", "error-choose-one");
                    None
                }
            },
        };
        let subject = optional_text(&mut e, "subject", &input.subject, 200);
        let title = required_text(&mut e, "title", &input.title, 100);
        let description = required_text(&mut e, "description", &input.description, MAX_DESCRIPTION);
        if !description.is_empty()
            && description.chars().count() < 10
            && e.get("description").is_none()
        {
            e.add("description", "error-too-short");
        }
        let desired_outcome =
            optional_text(&mut e, "desired_outcome", &input.desired_outcome, 2000);
        let case_number = optional_text(
            &mut e,
            "related_case_number",
            &input.related_case_number,
            64,
        );
        if kind == Some(PetitionKind::Litigation)
            && case_number.is_empty()
            && e.get("related_case_number").is_none()
        {
            e.add("related_case_number", "error-case-number-required");
        }
        let wants_anonymity = matches!(input.anonymous.trim(), "on" | "true" | "1" | "yes");
        let complainant = if wants_anonymity && kind.is_some_and(PetitionKind::may_be_anonymous) {
            Complainant::Anonymous
        } else {
            if wants_anonymity && kind.is_some() {
                e.add("anonymous", "error-anonymous-only-reports");
            }
            let name = required_text(&mut e, "contact_name", &input.contact_name, 50);
            let email = match input.contact_email.trim() {
                "" => None,
                raw => {
                    let parsed = Email::parse(raw);
                    if parsed.is_none() {
                        e.add("contact_email", "error-email");
                    }
                    parsed
                }
            };
            let phone = match input.contact_phone.trim() {
                "" => None,
                raw => {
                    let parsed = Phone::parse(raw);
                    if parsed.is_none() {
                        e.add("contact_phone", "error-phone");
                    }
                    parsed
                }
            };
            if input.contact_email.trim().is_empty() && input.contact_phone.trim().is_empty() {
                e.add("contact_phone", "error-contact-required");
            }
            Complainant::Named { name, email, phone }
        };
        let notify = notify_choice(&mut e, input, &complainant);
        match (kind, category, agency) {
            (Some(kind), Some(category), Some(agency)) if e.is_empty() => Ok(PetitionDraft {
                kind,
                agency,
                category,
                subject,
                title,
                description,
                desired_outcome,
                related_case_number: (!case_number.is_empty()).then_some(case_number),
                complainant,
                notify,
            }),
            _ => Err(e),
        }
    }
}

/// A follow-up message from the petitioner (补充说明).
pub fn parse_message(raw: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::new();
    let body = required_text(&mut e, "message", raw, MAX_DESCRIPTION);
    e.into_result(body)
}

/// How a petition reached the agency (信访形式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 网上信访 — the site, the API, or an Open311 partner.
    Online,
    /// 来访 — in person at the counter.
    Counter,
    /// 来信 — by letter; the day it arrived is the day of receipt.
    Letter,
    /// 来电 — by telephone.
    Phone,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Online,
        Channel::Counter,
        Channel::Letter,
        Channel::Phone,
    ];
    /// The channels staff register on a petitioner's behalf.
    pub const REGISTERED: [Channel; 3] = [Channel::Counter, Channel::Letter, Channel::Phone];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::Counter => "counter",
            Channel::Letter => "letter",
            Channel::Phone => "phone",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How far back a registration may date its receipt: a letter that waited
/// in the post room longer than this is registered with the day it is found,
/// and the delay is the agency's, not the petitioner's.
pub const BACKDATE_DAYS: i64 = 30;

/// The day of receipt a clerk gives when registering: not in the future,
/// not more than [`BACKDATE_DAYS`] ago (the error key says which).
pub fn receipt_day(
    given: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> Result<chrono::NaiveDate, &'static str> {
    match given {
        None => Ok(today),
        Some(d) if d > today => Err("error-received-future"),
        Some(d) if (today - d).num_days() > BACKDATE_DAYS => Err("error-received-too-old"),
        Some(d) => Ok(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complaint() -> PetitionInput {
        PetitionInput {
            kind: "complaint".into(),
            agency: "3".into(),
            category: "conduct".into(),
            subject: "某派出所民警".into(),
            title: "办理户籍业务时态度恶劣".into(),
            description: "2026年11月20日上午在户籍窗口办理业务时，工作人员拒绝一次性告知所需材料。"
                .into(),
            desired_outcome: "依法处理并道歉".into(),
            related_case_number: "".into(),
            anonymous: "".into(),
            contact_name: "张三".into(),
            contact_email: "".into(),
            contact_phone: "138 0013 8000".into(),
            notify: "".into(),
        }
    }

    #[test]
    fn a_complete_complaint_parses() {
        let d = PetitionDraft::parse(&complaint()).unwrap();
        assert_eq!(d.kind, PetitionKind::Complaint);
        assert_eq!(d.agency, AgencyChoice::Chosen(AgencyId(3)));
        assert!(
            matches!(d.complainant, Complainant::Named { ref phone, .. } if phone.as_ref().unwrap().as_str() == "13800138000")
        );
    }

    #[test]
    fn only_a_report_may_be_anonymous() {
        let mut input = complaint();
        input.anonymous = "on".into();
        assert_eq!(
            PetitionDraft::parse(&input).unwrap_err().get("anonymous"),
            Some("error-anonymous-only-reports")
        );
        input.kind = "report".into();
        input.contact_name = String::new();
        input.contact_phone = String::new();
        assert_eq!(
            PetitionDraft::parse(&input).unwrap().complainant,
            Complainant::Anonymous
        );
    }

    #[test]
    fn a_litigation_petition_needs_its_case_number() {
        let mut input = complaint();
        input.kind = "litigation".into();
        assert_eq!(
            PetitionDraft::parse(&input)
                .unwrap_err()
                .get("related_case_number"),
            Some("error-case-number-required")
        );
        input.related_case_number = "（2025）江01民初123号".into();
        assert!(PetitionDraft::parse(&input).is_ok());
    }

    #[test]
    fn unsure_petitions_are_routed_by_category() {
        let mut input = complaint();
        input.agency = "unsure".into();
        input.category = "enforcement".into();
        assert_eq!(
            PetitionDraft::parse(&input).unwrap().agency,
            AgencyChoice::Unsure(AgencyType::Court)
        );
    }

    #[test]
    fn bad_contacts_and_oversized_fields_are_reported() {
        let mut input = complaint();
        input.contact_phone = "12345".into();
        input.contact_email = "not an email".into();
        input.description = "长".repeat(10_000);
        let e = PetitionDraft::parse(&input).unwrap_err();
        assert_eq!(e.get("contact_phone"), Some("error-phone"));
        assert_eq!(e.get("contact_email"), Some("error-email"));
        assert_eq!(e.get("description"), Some("error-too-long"));
    }

    #[test]
    fn sms_needs_a_mobile_and_mail_an_address() {
        let mut input = complaint();
        assert_eq!(PetitionDraft::parse(&input).unwrap().notify, Notify::Sms);
        input.contact_email = "a@example.cn".into();
        assert_eq!(PetitionDraft::parse(&input).unwrap().notify, Notify::Both);
        input.notify = "mail".into();
        assert_eq!(PetitionDraft::parse(&input).unwrap().notify, Notify::Mail);
        // A landline cannot take an SMS; mail needs an address.
        input.contact_phone = "010-6512 3456".into();
        input.notify = "sms".into();
        let e = PetitionDraft::parse(&input).unwrap_err();
        assert_eq!(e.get("contact_phone"), Some("error-sms-needs-mobile"));
        input.contact_phone = "13800138000".into();
        input.contact_email = String::new();
        input.notify = "both".into();
        let e = PetitionDraft::parse(&input).unwrap_err();
        assert_eq!(e.get("contact_email"), Some("error-mail-needs-email"));
        input.notify = "pigeon".into();
        assert_eq!(
            PetitionDraft::parse(&input).unwrap_err().get("notify"),
            Some("error-choose-one")
        );
        assert!(is_mobile("13800138000") && !is_mobile("01065123456") && !is_mobile("12800138000"));
    }

    #[test]
    fn phones() {
        for ok in [
            "13800138000",
            "+86 138-0013-8000",
            "010-12345678",
            "0571 8888 8888",
            "008613912345678",
        ] {
            assert!(Phone::parse(ok).is_some(), "{ok}");
        }
        for bad in ["12345", "12800138000", "138001380001", "abc", "0012345678"] {
            assert!(Phone::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_registration_dates_its_receipt_within_a_month_and_never_ahead() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(receipt_day(None, today), Ok(today));
        let letter = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(receipt_day(Some(letter), today), Ok(letter));
        assert_eq!(
            receipt_day(today.succ_opt(), today),
            Err("error-received-future")
        );
        let old = today - chrono::Days::new(31);
        assert_eq!(receipt_day(Some(old), today), Err("error-received-too-old"));
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
    }
}
