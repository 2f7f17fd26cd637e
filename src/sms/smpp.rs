//! SMPP 3.4 — the protocol carriers and SMS aggregators speak
//! (`MINGJING_SMS_URL=smpp://system_id:password@host:port?source=106…`).
//! Each text is one short session: bind as a transmitter, `submit_sm`, read
//! the `submit_sm_resp` (its message id is the provider's), unbind. A text
//! that is not accepted — no connection, a refused bind, an error status —
//! fails its job, which the queue retries for days as it does mail.
//!
//! Chinese text goes as UCS-2 (`data_coding` 8) in the `message_payload`
//! TLV, so a text longer than one 70-character segment is one submission
//! that the gateway splits; `short_message` is then empty, as SMPP 3.4 asks.

use super::{OutgoingSms, SmsTransport};
use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use rusmpp::pdus::{BindReceiver, BindTransmitter, DeliverSmResp, SubmitSm};
use rusmpp::tlvs::{MessageSubmissionRequestTlvValue, TlvValue};
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::{AnyOctetString, COctetString};
use rusmpp::values::{DataCoding, InterfaceVersion, MessagePayload, Npi, RegisteredDelivery, Ton};
use rusmpp::{Command, CommandStatus, Pdu};
use std::str::FromStr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// An SMPP gateway, from `MINGJING_SMS_URL`.
#[derive(Debug, Clone)]
pub struct SmppTransport {
    host: String,
    port: u16,
    system_id: String,
    password: String,
    /// The sender number (the 106… long code the carrier assigned), if any.
    source: String,
    timeout: Duration,
}

impl SmppTransport {
    /// `smpp://system_id:password@host:port?source=10690000`; the port
    /// defaults to 2775, the protocol's.
    pub fn from_url(raw: &str) -> anyhow::Result<Self> {
        let url = url::Url::parse(raw).with_context(|| "MINGJING_SMS_URL is not a URL")?;
        if url.scheme() != "smpp" {
            bail!(
                "MINGJING_SMS_URL must start smpp:// (got {}://)",
                url.scheme()
            );
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .with_context(|| "MINGJING_SMS_URL names no host")?
            .to_owned();
        let system_id = url::form_urlencoded::parse(url.username().as_bytes())
            .next()
            .map_or_else(String::new, |(k, _)| k.into_owned());
        if system_id.is_empty() || system_id.len() > 15 {
            bail!("MINGJING_SMS_URL: the system id (user) must be 1 to 15 characters");
        }
        let password = url.password().unwrap_or_default().to_owned();
        if password.len() > 8 {
            bail!("MINGJING_SMS_URL: an SMPP password is at most 8 characters");
        }
        let source = url
            .query_pairs()
            .find(|(k, _)| k == "source")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if source.len() > 20 {
            bail!("MINGJING_SMS_URL: the source number is at most 20 characters");
        }
        Ok(Self {
            host,
            port: url.port().unwrap_or(2775),
            system_id,
            password,
            source,
            timeout: Duration::from_secs(20),
        })
    }

    /// Connects and binds, as a transmitter or a receiver (sequence number 1).
    async fn bound(&self, receiver: bool) -> anyhow::Result<Framed<TcpStream, CommandCodec>> {
        let stream = tokio::time::timeout(
            self.timeout,
            TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| anyhow::anyhow!("the SMPP gateway did not answer"))?
        .with_context(|| format!("connecting to the SMPP gateway {}:{}", self.host, self.port))?;
        let mut framed = Framed::new(stream, CommandCodec::new());
        macro_rules! bind {
            ($pdu:ident) => {
                $pdu::builder()
                    .system_id(c_string(&self.system_id)?)
                    .password(c_string(&self.password)?)
                    .system_type(COctetString::empty())
                    .interface_version(InterfaceVersion::Smpp3_4)
                    .addr_ton(Ton::Unknown)
                    .addr_npi(Npi::Unknown)
                    .address_range(COctetString::empty())
                    .build()
                    .into()
            };
        }
        let bind: Pdu = if receiver {
            bind!(BindReceiver)
        } else {
            bind!(BindTransmitter)
        };
        framed
            .send(Command::new(CommandStatus::EsmeRok, 1, bind))
            .await
            .map_err(|e| anyhow::anyhow!("SMPP bind: {e}"))?;
        let bound = tokio::time::timeout(self.timeout, response(&mut framed, 1))
            .await
            .map_err(|_| anyhow::anyhow!("the SMPP gateway did not answer the bind"))??;
        if bound.status() != CommandStatus::EsmeRok {
            bail!("the SMPP gateway refused the bind: {:?}", bound.status());
        }
        Ok(framed)
    }

    async fn exchange(&self, sms: &OutgoingSms) -> anyhow::Result<String> {
        let mut framed = self.bound(false).await?;
        // UCS-2 is UTF-16 big-endian; every character of these texts is in the BMP.
        let ucs2: Vec<u8> = sms
            .rendered
            .text
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let submit = SubmitSm::builder()
            .source_addr_ton(if self.source.is_empty() {
                Ton::Unknown
            } else {
                Ton::National
            })
            .source_addr_npi(Npi::Isdn)
            .source_addr(c_string(&self.source)?)
            .dest_addr_ton(Ton::International)
            .dest_addr_npi(Npi::Isdn)
            .destination_addr(c_string(&format!("86{}", sms.to))?)
            .registered_delivery(RegisteredDelivery::request_all())
            .data_coding(DataCoding::Ucs2)
            .push_tlv(MessageSubmissionRequestTlvValue::MessagePayload(
                MessagePayload::new(AnyOctetString::from_vec(ucs2)),
            ))
            .build();
        framed
            .send(Command::new(CommandStatus::EsmeRok, 2, submit))
            .await
            .map_err(|e| anyhow::anyhow!("SMPP submit_sm: {e}"))?;
        let answer = response(&mut framed, 2).await?;
        let id = match (answer.status(), answer.pdu()) {
            (CommandStatus::EsmeRok, Some(Pdu::SubmitSmResp(resp))) => {
                resp.message_id().as_str().to_owned()
            }
            (status, _) => bail!("the SMPP gateway did not accept the text: {status:?}"),
        };
        // Leave politely; the text is accepted whatever happens now.
        if framed
            .send(Command::new(CommandStatus::EsmeRok, 3, Pdu::Unbind))
            .await
            .is_ok()
        {
            let _ = tokio::time::timeout(Duration::from_secs(2), response(&mut framed, 3)).await;
        }
        Ok(id)
    }
}

impl SmppTransport {
    /// One receiver session (bind_receiver): every `deliver_sm` — a delivery
    /// receipt, or a text a petitioner sent back — is answered and handed to
    /// `on` as (sender, text). Returns when the gateway closes the session
    /// or `stop` turns true.
    pub async fn receive<F, Fut>(
        &self,
        mut on: F,
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<()>
    where
        F: FnMut(String, String) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let mut framed = self.bound(true).await?;
        loop {
            let next = tokio::select! {
                next = framed.next() => next,
                _ = stop.changed() => return Ok(()),
            };
            let Some(next) = next else {
                return Ok(());
            };
            let command = next.map_err(|e| anyhow::anyhow!("SMPP: {e}"))?;
            let seq = command.sequence_number();
            let reply = match command.pdu() {
                Some(Pdu::DeliverSm(d)) => {
                    let payload = d.tlvs().iter().find_map(|t| match t.value() {
                        Some(TlvValue::MessagePayload(p)) => Some(p.value.as_ref().to_vec()),
                        _ => None,
                    });
                    let bytes = payload.unwrap_or_else(|| d.short_message().as_ref().to_vec());
                    let text = if d.data_coding == DataCoding::Ucs2 {
                        let units: Vec<u16> = bytes
                            .chunks_exact(2)
                            .map(|c| u16::from_be_bytes([c[0], c[1]]))
                            .collect();
                        String::from_utf16_lossy(&units)
                    } else {
                        String::from_utf8_lossy(&bytes).into_owned()
                    };
                    on(d.source_addr.as_str().to_owned(), text).await;
                    Command::new(CommandStatus::EsmeRok, seq, DeliverSmResp::default())
                }
                Some(Pdu::EnquireLink) => {
                    Command::new(CommandStatus::EsmeRok, seq, Pdu::EnquireLinkResp)
                }
                Some(Pdu::Unbind) => {
                    let _ = framed
                        .send(Command::new(CommandStatus::EsmeRok, seq, Pdu::UnbindResp))
                        .await;
                    return Ok(());
                }
                _ => continue,
            };
            framed
                .send(reply)
                .await
                .map_err(|e| anyhow::anyhow!("SMPP: {e}"))?;
        }
    }
}

fn c_string<const MIN: usize, const MAX: usize>(s: &str) -> anyhow::Result<COctetString<MIN, MAX>> {
    COctetString::from_str(s).map_err(|e| anyhow::anyhow!("{s:?} cannot be sent by SMPP: {e}"))
}

/// The gateway's answer to our command `sequence`; an `enquire_link` from
/// the gateway meanwhile is answered.
async fn response(
    framed: &mut Framed<TcpStream, CommandCodec>,
    sequence: u32,
) -> anyhow::Result<Command> {
    while let Some(next) = framed.next().await {
        let command = next.map_err(|e| anyhow::anyhow!("SMPP: {e}"))?;
        if command.id() == rusmpp::CommandId::EnquireLink {
            let pong = Command::new(
                CommandStatus::EsmeRok,
                command.sequence_number(),
                Pdu::EnquireLinkResp,
            );
            framed
                .send(pong)
                .await
                .map_err(|e| anyhow::anyhow!("SMPP: {e}"))?;
            continue;
        }
        if command.sequence_number() == sequence {
            return Ok(command);
        }
    }
    bail!("the SMPP gateway closed the connection")
}

#[async_trait::async_trait]
impl SmsTransport for SmppTransport {
    fn name(&self) -> &'static str {
        "smpp"
    }

    async fn submit(&self, sms: &OutgoingSms) -> anyhow::Result<String> {
        tokio::time::timeout(self.timeout, self.exchange(sms))
            .await
            .map_err(|_| {
                anyhow::anyhow!("the SMPP gateway did not answer within {:?}", self.timeout)
            })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_says_where_and_who() {
        let t =
            SmppTransport::from_url("smpp://mingjing:s3cret@sms.example.cn:2776?source=10690001")
                .unwrap();
        assert_eq!(
            (
                t.host.as_str(),
                t.port,
                t.system_id.as_str(),
                t.password.as_str(),
                t.source.as_str()
            ),
            ("sms.example.cn", 2776, "mingjing", "s3cret", "10690001")
        );
        assert_eq!(SmppTransport::from_url("smpp://a@h").unwrap().port, 2775);
        for bad in [
            "http://a:b@h",
            "smpp://h",
            "smpp://a:waytoolongpassword@h",
            "not a url",
        ] {
            assert!(SmppTransport::from_url(bad).is_err(), "{bad}");
        }
    }
}
