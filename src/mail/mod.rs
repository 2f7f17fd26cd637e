//! Mail through lettre: SMTP when `MINGJING_SMTP_URL` is set, `.eml` files
//! under `data/mail/` otherwise. Mail is only ever sent by the job queue, so an
//! SMTP outage delays it but loses none.

pub mod jobs;

use crate::config::Settings;
use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

/// A rendered message in one language.
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .with_context(|| format!("MINGJING_SMTP_URL {url:?} is not a valid SMTP URL"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
            None => {
                let dir = settings.data_dir.join("mail");
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                Transport::Files(AsyncFileTransport::<Tokio1Executor>::new(dir))
            }
        };
        let from = settings.mail_from.parse().with_context(|| {
            format!(
                "MINGJING_MAIL_FROM {:?} is not a mailbox",
                settings.mail_from
            )
        })?;
        Ok(Self { transport, from })
    }

    pub async fn send(&self, mail: Outgoing) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(mail
                .to
                .parse()
                .with_context(|| format!("recipient {:?}", mail.to))?)
            .subject(mail.subject)
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))?;
        match &self.transport {
            Transport::Smtp(t) => {
                t.send(message).await.context("SMTP delivery")?;
            }
            Transport::Files(t) => {
                t.send(message).await.context("writing the .eml file")?;
            }
        }
        Ok(())
    }
}
