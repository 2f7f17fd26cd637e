//! 答复公开 — publishing an issued answer: what the public may read of it is a
//! title and an answer text that a supervisor has redacted and approved. The
//! petition itself, its petitioner and its timeline are never published.

use super::redaction::redact;
use super::staff::Role;
use super::workflow::State;

pub const TITLE_MAX: usize = 200;
pub const ANSWER_MAX: usize = 20_000;

/// An answer as the public reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedAnswer {
    pub title: String,
    pub answer: String,
}

impl PublishedAnswer {
    /// Both texts present and within bounds; the error is the message key.
    pub fn parse(title: &str, answer: &str) -> Result<Self, &'static str> {
        let (title, answer) = (title.trim(), answer.trim());
        if title.is_empty() || answer.is_empty() {
            return Err("error-publish-empty");
        }
        if title.chars().count() > TITLE_MAX || answer.chars().count() > ANSWER_MAX {
            return Err("error-too-long");
        }
        Ok(Self {
            title: title.to_owned(),
            answer: answer.to_owned(),
        })
    }
}

/// Only a supervisor publishes, and only an answer that has been issued.
pub fn may_publish(state: State, role: Role) -> bool {
    role == Role::Supervisor && state.is_public()
}

/// What the publish form starts from: the title and answer with identifiers and
/// the names of the petitioner and of whoever the petition is about redacted.
/// The supervisor reads and edits it before publishing; nothing is published unseen.
pub fn suggestion(
    title: &str,
    answer: &str,
    petitioner: Option<&str>,
    subject: &str,
) -> PublishedAnswer {
    let names: Vec<String> = petitioner
        .into_iter()
        .chain(Some(subject))
        .map(str::to_owned)
        .collect();
    PublishedAnswer {
        title: redact(title, &names),
        answer: redact(answer, &names),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_supervisor_publishes_an_issued_answer() {
        for state in State::ALL {
            for role in Role::ALL {
                assert_eq!(
                    may_publish(state, role),
                    role == Role::Supervisor && matches!(state, State::Answered | State::Closed),
                    "{state:?} {role:?}"
                );
            }
        }
    }

    #[test]
    fn texts_are_required_bounded_and_suggested_redacted() {
        assert_eq!(PublishedAnswer::parse(" ", "x"), Err("error-publish-empty"));
        assert_eq!(
            PublishedAnswer::parse(&"题".repeat(201), "x"),
            Err("error-too-long")
        );
        let s = suggestion(
            "张三反映执行问题",
            "经查，张三（电话13812345678）所述属实。",
            Some("张三"),
            "",
        );
        assert!(
            !s.title.contains("张三") && !s.answer.contains("13812345678"),
            "{s:?}"
        );
    }
}
