//! E-mail to a need's followers: each public step of its trail puts a message in the store's
//! `outbox` in the same transaction (so a step is never told twice or lost), and a deliverer
//! sends the outbox over SMTP (RFC 5321) when a server is configured (`LANTU_SMTP`,
//! `smtp://host:port`; plain SMTP to a relay on the local network, as government mail
//! gateways take it). Several replicas may run deliverers: each message is claimed for a while
//! before it is sent, so it goes once.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::store::Mail;
use crate::store::Store;

/// Where mail goes, and from whom.
#[derive(Debug, Clone)]
pub struct Smtp {
    /// `host:port` of the relay.
    pub address: String,
    /// The sender, e.g. `lantu@putuo.gov.cn`.
    pub from: String,
}

impl Smtp {
    /// Reads `smtp://host:port`.
    pub fn parse(url: &str, from: &str) -> Result<Self, String> {
        let address = url
            .strip_prefix("smtp://")
            .ok_or_else(|| format!("{url}: an SMTP server is written smtp://host:port"))?
            .trim_end_matches('/');
        let address = if address.contains(':') {
            address.to_string()
        } else {
            format!("{address}:25")
        };
        Ok(Self {
            address,
            from: from.to_string(),
        })
    }
}

/// Tries a message this many times before leaving it (with its last error) in the outbox.
pub const TRIES: i64 = 5;

/// One SMTP reply: its code, after reading every line of it.
async fn reply<R: tokio::io::AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<u16> {
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::other(
                "the SMTP server closed the connection",
            ));
        }
        let code = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
        // "250-…" continues, "250 …" ends.
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(code);
        }
    }
}

/// The message with every line starting with a dot doubled (RFC 5321 §4.5.2), CRLF endings.
fn dot_stuffed(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with('.') {
                format!(".{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// An RFC 2047 encoded word, so a Chinese subject survives any relay.
fn encoded(text: &str) -> String {
    use base64::Engine;
    format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

/// Sends one message.
pub async fn send(smtp: &Smtp, mail: &Mail) -> std::io::Result<()> {
    let stream = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(&smtp.address))
        .await
        .map_err(|_| std::io::Error::other("connecting to the SMTP server timed out"))??;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let expect = |code: u16, want: u16, step: &str| {
        if code == want {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "the SMTP server answered {code} to {step}"
            )))
        }
    };
    expect(reply(&mut reader).await?, 220, "the greeting")?;
    let domain = smtp.from.rsplit('@').next().unwrap_or("localhost");
    let steps = [
        (format!("EHLO {domain}\r\n"), 250, "EHLO"),
        (format!("MAIL FROM:<{}>\r\n", smtp.from), 250, "MAIL FROM"),
        (format!("RCPT TO:<{}>\r\n", mail.recipient), 250, "RCPT TO"),
        ("DATA\r\n".to_string(), 354, "DATA"),
    ];
    for (command, want, step) in steps {
        write.write_all(command.as_bytes()).await?;
        expect(reply(&mut reader).await?, want, step)?;
    }
    let message = format!(
        "From: lantu <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n.\r\n",
        from = smtp.from,
        to = mail.recipient,
        subject = encoded(&mail.subject),
        body = dot_stuffed(&mail.body),
    );
    write.write_all(message.as_bytes()).await?;
    expect(reply(&mut reader).await?, 250, "the message")?;
    write.write_all(b"QUIT\r\n").await?;
    let _ = reply(&mut reader).await;
    Ok(())
}

/// Sends what the outbox holds, once; how many went.
pub async fn deliver(store: &Store, smtp: &Smtp) -> crate::store::StoreResult<usize> {
    let mut sent = 0;
    for mail in store.unsent_mail(50, TRIES).await? {
        if !store.claim_mail(mail.id, Duration::from_secs(120)).await? {
            continue;
        }
        match send(smtp, &mail).await {
            Ok(()) => {
                store.mail_tried(mail.id, None).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(mail = mail.id, attempts = mail.attempts + 1, error = %e,
                    "an e-mail to a need's follower was not sent; it is tried again (check LANTU_SMTP)");
                store.mail_tried(mail.id, Some(&e.to_string())).await?;
            }
        }
    }
    Ok(sent)
}

/// Delivers the outbox every `every`, for as long as the server runs.
pub fn spawn(
    store: std::sync::Arc<Store>,
    smtp: Smtp,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tracing::info!(server = %smtp.address, "e-mail to needs' followers goes through this SMTP server");
        loop {
            if let Err(e) = deliver(&store, &smtp).await {
                tracing::warn!(error = %e, "the outbox could not be read; trying again");
            }
            tokio::time::sleep(every).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_starting_with_a_dot_is_doubled_and_an_smtp_url_gets_its_port() {
        assert_eq!(dot_stuffed("a\n.b"), "a\r\n..b");
        assert_eq!(
            Smtp::parse("smtp://mail.local", "x@y.cn").unwrap().address,
            "mail.local:25"
        );
        assert!(Smtp::parse("http://mail.local", "x@y.cn").is_err());
    }
}
