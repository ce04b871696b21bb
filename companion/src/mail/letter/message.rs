//! The MIME message: headers, the alternative bodies and the attachments.

use lettre::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};

use super::{Attachments, Letter, LetterInput};

/// `X-Unsent: 1`: Outlook opens such a file as a draft to send.
#[derive(Debug, Clone, Copy)]
struct XUnsent;

impl Header for XUnsent {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Unsent")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "1".to_owned())
    }
}

/// A header with a fixed name and a text value.
macro_rules! text_header {
    ($type:ident, $name:literal) => {
        #[derive(Debug, Clone)]
        struct $type(String);

        impl Header for $type {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }
            fn parse(value: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok(Self(value.to_owned()))
            }
            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(AutoSubmitted, "Auto-Submitted");
text_header!(ReportIdHeader, "X-Balise-Report-Id");
text_header!(ChainHeadHeader, "X-Balise-Chain-Head");
text_header!(ScreenshotHeader, "X-Balise-Screenshot-Sha256");

/// Addressing of an email.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    /// `From`.
    pub from: Mailbox,
    /// `To`.
    pub to: &'a [Mailbox],
    /// `Reply-To`, if any (the reporter, for the manager's email).
    pub reply_to: Option<Mailbox>,
    /// `Message-ID`.
    pub message_id: &'a str,
    /// `In-Reply-To` and `References`.
    pub in_reply_to: Option<&'a str>,
    /// A draft for the person's own mail program (`X-Unsent: 1`, no `Auto-Submitted`).
    pub draft: bool,
}

/// A complete message, ready to send or to save as `.eml`.
pub fn message(
    input: &LetterInput,
    letter: &Letter,
    envelope: &Envelope<'_>,
    attachments: Option<&Attachments>,
) -> Result<Message, lettre::error::Error> {
    let mut builder = Message::builder()
        .from(envelope.from.clone())
        .subject(letter.subject.clone())
        .message_id(Some(envelope.message_id.to_owned()))
        .date_now()
        .header(ReportIdHeader(input.report.id.clone()))
        .header(ScreenshotHeader(input.screenshot_sha256.clone()));
    for to in envelope.to {
        builder = builder.to(to.clone());
    }
    if let Some(reply_to) = &envelope.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    if let Some(parent) = envelope.in_reply_to {
        builder = builder
            .in_reply_to(parent.to_owned())
            .references(parent.to_owned());
    }
    if let Some(head) = &input.chain_head {
        builder = builder.header(ChainHeadHeader(format!("{} {}", head.seq, head.entry_hash)));
    }
    builder = if envelope.draft {
        builder.header(XUnsent)
    } else {
        builder.header(AutoSubmitted("auto-generated".to_owned()))
    };
    let body = MultiPart::alternative_plain_html(letter.text.clone(), letter.html.clone());
    let short = input.report.id.get(..8).unwrap_or(&input.report.id);
    let message = match attachments {
        Some(files) => {
            let png = ContentType::parse("image/png").map_err(|_| {
                lettre::error::Error::Io(std::io::Error::other("content type image/png"))
            })?;
            let zip = ContentType::parse("application/zip").map_err(|_| {
                lettre::error::Error::Io(std::io::Error::other("content type application/zip"))
            })?;
            builder.multipart(
                MultiPart::mixed()
                    .multipart(body)
                    .singlepart(
                        Attachment::new(format!("capture-{short}.png"))
                            .body(files.screenshot.clone(), png),
                    )
                    .singlepart(
                        Attachment::new(format!("balise-preuves-evidence-{short}.zip"))
                            .body(files.package.clone(), zip),
                    ),
            )
        }
        None => builder.multipart(body),
    };
    message.map_err(|error| lettre::error::Error::Io(std::io::Error::other(error.to_string())))
}
