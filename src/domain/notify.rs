//! 通知方式 — the channels a petitioner chose to be told on (mail, SMS, both).

use serde::{Deserialize, Serialize};

/// How the petitioner is told of each step: by mail, by SMS
/// (短信), or both. Each needs its address: a mail address, a mobile number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Notify {
    #[default]
    Mail,
    Sms,
    Both,
}

impl Notify {
    pub const ALL: [Notify; 3] = [Notify::Mail, Notify::Sms, Notify::Both];

    pub fn as_str(self) -> &'static str {
        match self {
            Notify::Mail => "mail",
            Notify::Sms => "sms",
            Notify::Both => "both",
        }
    }

    pub fn parse(s: &str) -> Option<Notify> {
        Notify::ALL.into_iter().find(|n| n.as_str() == s)
    }

    pub fn by_mail(self) -> bool {
        matches!(self, Notify::Mail | Notify::Both)
    }

    pub fn by_sms(self) -> bool {
        matches!(self, Notify::Sms | Notify::Both)
    }

    /// Without a choice: every channel the petitioner gave an address for
    /// (mail when there is none: nothing is sent, as before SMS).
    pub fn from_addresses(email: bool, mobile: bool) -> Notify {
        match (email, mobile) {
            (true, true) => Notify::Both,
            (false, true) => Notify::Sms,
            _ => Notify::Mail,
        }
    }
}
