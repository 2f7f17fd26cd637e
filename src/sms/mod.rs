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

/// A mobile number as the log and the opt-outs keep it: a keyed hash.
pub fn phone_hash(secret: &crate::crypto::Secret, national: &str) -> String {
    hex::encode(secret.keyed_hash("sms-phone", national.as_bytes()))
}

/// Listens to the gateway for as long as the node runs a worker: delivery
/// receipts mark the logged texts delivered or failed; a reply of TD (退订)
/// stops texts to that number. Reconnects after a dropped session, waiting
/// longer each time (5 s to 5 min). Every worker node listens; the gateway
/// hands each receipt to one of them, and a receipt recorded twice is the same.
pub async fn listen(
    gateway: smpp::SmppTransport,
    store: Store,
    secret: crate::crypto::Secret,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    use crate::domain::sms::{Inbound, inbound};
    let mut wait = std::time::Duration::from_secs(5);
    while !*stop.borrow() {
        let session = gateway
            .receive(
                |source, text| {
                    let (store, secret) = (store.clone(), secret.clone());
                    async move {
                        let now = chrono::Utc::now();
                        let recorded = match inbound(&source, &text) {
                            Inbound::Receipt { id, delivered, .. } => {
                                store.sms_report(&id, delivered, now).await.map(drop)
                            }
                            Inbound::Unsubscribe { from } => {
                                tracing::info!("an SMS recipient replied TD: no more texts to that number");
                                store.sms_opt_out(&phone_hash(&secret, &from), now).await
                            }
                            Inbound::Other => Ok(()),
                        };
                        if let Err(e) = recorded {
                            tracing::warn!(error = %e, "recording what the SMS gateway delivered failed");
                        }
                    }
                },
                &mut stop,
            )
            .await;
        match session {
            Ok(()) => wait = std::time::Duration::from_secs(5),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "the SMS gateway's receiver session failed");
                wait = (wait * 2).min(std::time::Duration::from_secs(300));
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
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
        phone_hash(&self.secret, national)
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
