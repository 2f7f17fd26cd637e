//! SMS (短信) to the petitioner, behind [`SmsTransport`]: an SMPP gateway
//! (`smpp`, with `MINGJING_SMS_URL`) or, on the embedded default, each text
//! written as a file under `data/sms/` (as mail is written as `.eml` under
//! `data/mail/`); an HTTP provider can be added as another transport. Texts are only ever sent by the job queue (`jobs`), so
//! an outage delays them and loses none.

pub mod jobs;
pub mod smpp;

use crate::domain::sms::{Rendered, SmsTemplates};
use crate::store::Store;
use anyhow::Context;

use crate::store::queue::SMS_TRANSPORT as TRANSPORT;

/// A text to one number.
#[derive(Debug, Clone)]
pub struct OutgoingSms {
    /// The national mobile number (11 digits).
    pub to: String,
    pub rendered: Rendered,
}

/// Where texts go: a carrier's gateway, or files.
#[async_trait::async_trait]
pub trait SmsTransport: Send + Sync {
    /// `files`, or the gateway's protocol, as `/healthz` names it.
    fn name(&self) -> &'static str;
    /// Hands the text over; the transport's message id.
    async fn submit(&self, sms: &OutgoingSms) -> anyhow::Result<String>;
}

/// Each text as a file `data/sms/<ms>-<id>.txt`: the number, the template id,
/// its parameters and the whole text.
pub struct FileTransport {
    dir: std::path::PathBuf,
}

impl FileTransport {
    pub fn new(dir: std::path::PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self { dir })
    }
}

#[async_trait::async_trait]
impl SmsTransport for FileTransport {
    fn name(&self) -> &'static str {
        "files"
    }

    async fn submit(&self, sms: &OutgoingSms) -> anyhow::Result<String> {
        let id = hex::encode(rand::random::<[u8; 8]>());
        let params: Vec<String> = sms
            .rendered
            .params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let body = format!(
            "To: {}\nTemplate: {}\nParams: {}\n\n{}\n",
            sms.to,
            sms.rendered.template_id,
            params.join("; "),
            sms.rendered.text
        );
        let path = self.dir.join(format!(
            "{}-{id}.txt",
            chrono::Utc::now().timestamp_millis()
        ));
        tokio::fs::write(&path, body)
            .await
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(id)
    }
}

/// Sends texts: the templates, the transport, and where its health is recorded.
pub struct Texter {
    pub templates: SmsTemplates,
    transport: Box<dyn SmsTransport>,
    store: Store,
    /// Hashes a number for the log and the per-number limit.
    secret: crate::crypto::Secret,
}

impl Texter {
    pub fn new(
        templates: SmsTemplates,
        transport: Box<dyn SmsTransport>,
        store: Store,
        secret: crate::crypto::Secret,
    ) -> Self {
        Self {
            templates,
            transport,
            store,
            secret,
        }
    }

    /// The number as the log keeps it: a keyed hash, never the number.
    pub fn phone_hash(&self, national: &str) -> String {
        hex::encode(self.secret.keyed_hash("sms-phone", national.as_bytes()))
    }

    /// Hands `sms` to the transport and records whether it worked, for
    /// `/healthz` on every node.
    pub async fn submit(&self, sms: &OutgoingSms) -> anyhow::Result<String> {
        let sent = self.transport.submit(sms).await;
        let recorded = match &sent {
            Ok(_) => self.store.transport_worked(TRANSPORT).await,
            Err(e) => {
                self.store
                    .transport_failed(TRANSPORT, &format!("{e:#}"))
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "recording the SMS transport's health failed");
        }
        sent
    }
}
