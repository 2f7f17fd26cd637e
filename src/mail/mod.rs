//! Mail through lettre: SMTP when `MINGJING_SMTP_URL` is set, `.eml` files
//! under `data/mail/` otherwise. Mail is only ever sent by the job queue, so an
//! SMTP outage delays it but loses none.

pub mod jobs;

use crate::config::Settings;
use crate::store::queue::MAIL_TRANSPORT as TRANSPORT;
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
    /// Where every delivery's outcome is recorded for `/healthz` on all nodes.
    health: Option<crate::store::Store>,
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
        Ok(Self {
            transport,
            from,
            health: None,
        })
    }

    /// Records whether each delivery worked in `store`, shared by every node:
    /// `/healthz` reports mail that has been failing for a while.
    pub fn reporting_to(mut self, store: crate::store::Store) -> Self {
        self.health = Some(store);
        self
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
        // Only the transport's own outcome counts: a bad address or a
        // template fault above is the message's problem, not the relay's.
        let delivered = match &self.transport {
            Transport::Smtp(t) => t.send(message).await.map(drop).context("SMTP delivery"),
            Transport::Files(t) => t
                .send(message)
                .await
                .map(drop)
                .context("writing the .eml file"),
        };
        if let Some(store) = &self.health {
            let recorded = match &delivered {
                Ok(()) => store.transport_worked(TRANSPORT).await,
                Err(e) => store.transport_failed(TRANSPORT, &format!("{e:#}")).await,
            };
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "recording the mail transport's health failed");
            }
        }
        delivered
    }
}
