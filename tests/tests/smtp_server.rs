//! The tests' SMTP server itself (`tests/smtp/smtp_server.py` through
//! `balise_e2e::smtp`), spoken to in raw SMTP over a plain TCP stream: what it stores and
//! how the harness decodes it, its fault modes with their exact reply codes, AUTH, stop and
//! restart on the same port, and the black hole that never answers.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use balise_e2e::smtp::{BlackHoleSmtp, MailAddress, SmtpOptions, SmtpServer, free_port};

const WAIT: Duration = Duration::from_secs(10);

/// A minimal SMTP client: one command, one (possibly multi-line) reply.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    /// Connects and checks the 220 greeting.
    fn connect(port: u16) -> Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(WAIT))?;
        let mut client = Self {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
        };
        let (code, text) = client.reply()?;
        ensure!(code == 220, "greeting {code} {text}");
        Ok(client)
    }

    /// Reads one reply: its code and its lines' texts joined with `\n`.
    fn reply(&mut self) -> Result<(u16, String)> {
        let mut texts = Vec::new();
        loop {
            let mut line = String::new();
            let read = self.reader.read_line(&mut line)?;
            ensure!(read > 0, "the server closed the connection");
            ensure!(line.ends_with("\r\n"), "reply line without CRLF: {line:?}");
            let line = line.trim_end_matches("\r\n");
            ensure!(line.len() >= 3, "short reply line {line:?}");
            let code: u16 = line[..3]
                .parse()
                .with_context(|| format!("reply {line:?}"))?;
            texts.push(line.get(4..).unwrap_or_default().to_owned());
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok((code, texts.join("\n")));
            }
        }
    }

    fn command(&mut self, line: &str) -> Result<(u16, String)> {
        self.writer.write_all(format!("{line}\r\n").as_bytes())?;
        self.reply()
    }

    /// Sends `message` (CRLF lines) after a 354, dot-stuffed, and returns the final reply.
    fn data(&mut self, message: &[u8]) -> Result<(u16, String)> {
        let (code, text) = self.command("DATA")?;
        ensure!(code == 354, "DATA answered {code} {text}");
        let mut wire = Vec::new();
        for line in message.split_inclusive(|byte| *byte == b'\n') {
            if line.starts_with(b".") {
                wire.push(b'.');
            }
            wire.extend_from_slice(line);
        }
        if !wire.ends_with(b"\r\n") {
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(b".\r\n");
        self.writer.write_all(&wire)?;
        self.reply()
    }

    /// MAIL FROM, RCPT TO for each, and DATA; returns the reply to the message.
    fn send(&mut self, from: &str, to: &[&str], message: &[u8]) -> Result<(u16, String)> {
        let (code, text) = self.command(&format!("MAIL FROM:<{from}>"))?;
        ensure!(code == 250, "MAIL FROM answered {code} {text}");
        for recipient in to {
            let (code, text) = self.command(&format!("RCPT TO:<{recipient}>"))?;
            ensure!(code == 250, "RCPT TO answered {code} {text}");
        }
        self.data(message)
    }
}

/// A small PNG (4×3 RGBA) to attach.
fn png_bytes() -> Result<Vec<u8>> {
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, 4, 3);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    let pixels: Vec<u8> = (0..4 * 3 * 4).map(|index| (index * 7) as u8).collect();
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(png)
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let value = chunk.iter().enumerate().fold(0u32, |value, (index, byte)| {
            value | u32::from(*byte) << (16 - 8 * index)
        });
        for index in 0..4 {
            if index <= chunk.len() {
                out.push(char::from(
                    ALPHABET[(value >> (18 - 6 * index)) as usize & 63],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A report-like message: French subject, names and a custom header in RFC 2047 words,
/// a quoted-printable text part with a soft line break and a line starting with a dot, an
/// HTML part, and a base64 PNG with an RFC 2231 file name.
fn french_report_message(png: &[u8]) -> String {
    let encoded_png = base64(png)
        .as_bytes()
        .chunks(76)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n");
    [
        "From: =?UTF-8?Q?Balise_=E2=80=94_Syndicat_de_l'enseignement?= <balise@sec-csq.example>",
        "To: Gestionnaire <gestion@sec-csq.example>,",
        " =?UTF-8?B?SMOpbMOobmUgQ8O0dMOp?= <helene@sec-csq.example>",
        "Subject: =?UTF-8?Q?Signalement_=C3=A0_v=C3=A9rifier_:_publication_d=C3=A9plac=C3=A9e?=",
        "Date: Mon, 30 Nov 2026 10:15:00 -0500",
        "Message-ID: <report-42@balise.sec-csq.example>",
        "In-Reply-To: <report-41@balise.sec-csq.example>",
        "References: <report-40@balise.sec-csq.example>",
        " <report-41@balise.sec-csq.example>",
        "X-Balise-Category: =?UTF-8?Q?Propos_envers_un_=C3=A9l=C3=A8ve?=",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"outer\"",
        "",
        "--outer",
        "Content-Type: multipart/alternative; boundary=\"inner\"",
        "",
        "--inner",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "Un membre a signal=C3=A9 une page o=C3=B9 l'=C3=A9cole est nomm=C3=A9e. Voir=",
        " la capture d'=C3=A9cran ci-jointe.",
        ".Ligne qui commence par un point.",
        "--inner",
        "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "<p>Un membre a signal=C3=A9 une page o=C3=B9 l'=C3=A9cole est nomm=C3=A9e.</p>",
        "--inner--",
        "--outer",
        "Content-Type: image/png; name=\"capture.png\"",
        "Content-Disposition: attachment; filename*=UTF-8''capture-%C3%A9cran.png",
        "Content-Transfer-Encoding: base64",
        "",
        &encoded_png,
        "--outer--",
        "",
    ]
    .join("\r\n")
}

#[test]
fn a_french_multipart_message_arrives_with_its_envelope_and_decodes_as_a_mail_client_shows_it()
-> Result<()> {
    let server = SmtpServer::start()?;
    assert_eq!(server.url(), format!("smtp://127.0.0.1:{}", server.port()));
    let png = png_bytes()?;
    let message = french_report_message(&png);

    let mut client = Client::connect(server.port())?;
    let (code, capabilities) = client.command("EHLO client.example")?;
    assert_eq!(code, 250, "{capabilities}");
    assert!(capabilities.contains("8BITMIME"), "{capabilities}");
    assert!(
        !capabilities.contains("AUTH"),
        "no AUTH without --auth: {capabilities}"
    );
    let (code, text) = client.send(
        "balise@sec-csq.example",
        &["gestion@sec-csq.example", "helene@sec-csq.example"],
        message.as_bytes(),
    )?;
    assert_eq!(code, 250, "{text}");
    assert_eq!(client.command("QUIT")?.0, 221);

    let mails = server.wait_for_messages_blocking(1, WAIT)?;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.number, 1);
    assert_eq!(mail.mail_from, "balise@sec-csq.example");
    assert_eq!(
        mail.rcpt_tos,
        ["gestion@sec-csq.example", "helene@sec-csq.example"]
    );
    assert!(
        mail.received_at.ends_with('Z') && mail.received_at.len() == 24,
        "{}",
        mail.received_at
    );
    assert_eq!(mail.auth_login, None);
    // The raw DATA: CRLF kept, dot-stuffing undone.
    assert_eq!(mail.raw, message.as_bytes());
    assert!(
        mail.wire_problems().is_empty(),
        "{:?}",
        mail.wire_problems()
    );

    assert_eq!(
        mail.subject().as_deref(),
        Some("Signalement à vérifier : publication déplacée")
    );
    assert_eq!(
        mail.from(),
        Some(MailAddress {
            name: Some("Balise — Syndicat de l'enseignement".to_owned()),
            address: "balise@sec-csq.example".to_owned(),
        })
    );
    assert_eq!(
        mail.to(),
        [
            MailAddress {
                name: Some("Gestionnaire".to_owned()),
                address: "gestion@sec-csq.example".to_owned(),
            },
            MailAddress {
                name: Some("Hélène Côté".to_owned()),
                address: "helene@sec-csq.example".to_owned(),
            },
        ]
    );
    assert_eq!(
        mail.message_id().as_deref(),
        Some("report-42@balise.sec-csq.example")
    );
    assert_eq!(
        mail.in_reply_to().as_deref(),
        Some("report-41@balise.sec-csq.example")
    );
    assert_eq!(
        mail.references(),
        [
            "report-40@balise.sec-csq.example",
            "report-41@balise.sec-csq.example"
        ]
    );
    assert_eq!(
        mail.header("x-balise-category").as_deref(),
        Some("Propos envers un élève")
    );
    assert_eq!(
        mail.header("Message-ID").as_deref(),
        Some("<report-42@balise.sec-csq.example>")
    );
    assert_eq!(
        mail.header("references").as_deref(),
        Some("<report-40@balise.sec-csq.example> <report-41@balise.sec-csq.example>"),
        "unfolded"
    );
    assert_eq!(mail.header("X-Absent"), None);

    let text = mail.text_body().context("a text/plain part")?;
    assert!(
        text.contains(
            "Un membre a signalé une page où l'école est nommée. Voir la capture d'écran ci-jointe."
        ),
        "quoted-printable and its soft line break decoded: {text:?}"
    );
    assert!(
        text.contains("\n.Ligne qui commence par un point."),
        "{text:?}"
    );
    let html = mail.html_body().context("a text/html part")?;
    assert_eq!(
        html.trim_end(),
        "<p>Un membre a signalé une page où l'école est nommée.</p>"
    );

    let attachments = mail.attachments();
    assert_eq!(attachments.len(), 1, "{attachments:?}");
    let attachment = &attachments[0];
    assert_eq!(attachment.filename.as_deref(), Some("capture-écran.png"));
    assert_eq!(attachment.content_type, "image/png");
    assert_eq!(attachment.disposition.as_deref(), Some("attachment"));
    assert_eq!(attachment.bytes, png, "the PNG comes back byte for byte");
    Ok(())
}

#[test]
fn mode_451_once_answers_the_next_message_451_and_the_retry_250() -> Result<()> {
    let server = SmtpServer::start()?;
    server.set_mode("451 1")?;
    let mut client = Client::connect(server.port())?;
    assert_eq!(client.command("EHLO client.example")?.0, 250);
    let message = b"Subject: =?UTF-8?Q?Essai_r=C3=A9p=C3=A9t=C3=A9?=\r\n\r\nCorps.\r\n";

    let first = client.send("a@example.org", &["b@example.org"], message)?;
    assert_eq!(first, (451, "4.3.0 Temporary failure (test)".to_owned()));
    assert!(
        server.messages()?.is_empty(),
        "a refused message is not stored"
    );

    // The same transaction again, on the same connection (the envelope was reset).
    let second = client.send("a@example.org", &["b@example.org"], message)?;
    assert_eq!(second.0, 250, "{second:?}");
    // And the count is spent: the next one is accepted too.
    assert_eq!(
        client.send("a@example.org", &["b@example.org"], message)?.0,
        250
    );
    let mails = server.messages()?;
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert_eq!(mails[0].subject().as_deref(), Some("Essai répété"));

    // Setting the same mode again counts again.
    server.set_mode("451 1")?;
    assert_eq!(
        client.send("a@example.org", &["b@example.org"], message)?.0,
        451
    );
    assert_eq!(
        client.send("a@example.org", &["b@example.org"], message)?.0,
        250
    );
    Ok(())
}

#[test]
fn mode_550_rejects_every_message_until_the_mode_changes() -> Result<()> {
    let server = SmtpServer::start()?;
    server.set_mode("550")?;
    let mut client = Client::connect(server.port())?;
    assert_eq!(client.command("EHLO client.example")?.0, 250);
    let message = b"Subject: refus\r\n\r\nCorps.\r\n";
    for _ in 0..2 {
        let reply = client.send("a@example.org", &["b@example.org"], message)?;
        assert_eq!(reply, (550, "5.7.1 Rejected (test)".to_owned()));
    }
    assert!(server.messages()?.is_empty());

    server.set_mode("ok")?;
    assert_eq!(
        client.send("a@example.org", &["b@example.org"], message)?.0,
        250
    );
    assert_eq!(server.messages()?.len(), 1);
    Ok(())
}

#[test]
fn mode_delay_holds_the_answer_to_the_message() -> Result<()> {
    let server = SmtpServer::start()?;
    server.set_mode("delay 400")?;
    let mut client = Client::connect(server.port())?;
    assert_eq!(client.command("EHLO client.example")?.0, 250);
    let started = Instant::now();
    let reply = client.send(
        "a@example.org",
        &["b@example.org"],
        b"Subject: lent\r\n\r\nx\r\n",
    )?;
    let waited = started.elapsed();
    assert_eq!(reply.0, 250, "{reply:?}");
    assert!(waited >= Duration::from_millis(400), "{waited:?}");
    assert_eq!(server.messages()?.len(), 1);
    assert!(
        server.set_mode("delay soon").is_err(),
        "a mode the server does not know is refused before it is written"
    );
    Ok(())
}

#[test]
fn with_auth_mail_from_is_refused_with_530_until_auth_plain_succeeds() -> Result<()> {
    let server = SmtpServer::start_with(SmtpOptions {
        port: 0,
        auth: Some(("balise".to_owned(), "mot de passe@é".to_owned())),
    })?;
    assert_eq!(
        server.url_with_credentials(),
        format!(
            "smtp://balise:mot%20de%20passe%40%C3%A9@127.0.0.1:{}",
            server.port()
        )
    );
    let mut client = Client::connect(server.port())?;
    let (code, capabilities) = client.command("EHLO client.example")?;
    assert_eq!(code, 250);
    assert!(
        capabilities.lines().any(|line| line == "AUTH LOGIN PLAIN"),
        "{capabilities}"
    );

    let (code, text) = client.command("MAIL FROM:<a@example.org>")?;
    assert_eq!(
        (code, text.as_str()),
        (530, "5.7.0 Authentication required")
    );

    let wrong = base64(b"\0balise\0wrong");
    assert_eq!(client.command(&format!("AUTH PLAIN {wrong}"))?.0, 535);
    assert_eq!(client.command("MAIL FROM:<a@example.org>")?.0, 530);

    let right = base64("\0balise\0mot de passe@é".as_bytes());
    let (code, text) = client.command(&format!("AUTH PLAIN {right}"))?;
    assert_eq!(code, 235, "{text}");
    let reply = client.send(
        "a@example.org",
        &["b@example.org"],
        b"Subject: auth\r\n\r\nx\r\n",
    )?;
    assert_eq!(reply.0, 250, "{reply:?}");

    let mails = server.wait_for_messages_blocking(1, WAIT)?;
    assert_eq!(mails[0].auth_login.as_deref(), Some("balise"));

    // AUTH LOGIN works too, on a new connection.
    let mut client = Client::connect(server.port())?;
    assert_eq!(client.command("EHLO client.example")?.0, 250);
    assert_eq!(client.command("AUTH LOGIN")?.0, 334);
    assert_eq!(client.command(&base64(b"balise"))?.0, 334);
    assert_eq!(client.command(&base64("mot de passe@é".as_bytes()))?.0, 235);
    Ok(())
}

#[test]
fn the_server_stops_on_sigterm_and_starts_again_on_a_port_reserved_while_it_was_down() -> Result<()>
{
    let port = free_port()?;
    ensure!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens on the reserved port yet"
    );
    let server = SmtpServer::start_on_port(port)?;
    assert_eq!(server.port(), port);
    let message = b"Subject: un\r\n\r\nx\r\n";
    let mut client = Client::connect(port)?;
    assert_eq!(client.command("HELO client.example")?.0, 250);
    assert_eq!(
        client.send("a@example.org", &["b@example.org"], message)?.0,
        250
    );

    // An open connection does not hold the server up.
    server.stop()?;
    assert!(!server.is_running());
    ensure!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the port is closed after stop()"
    );
    let error = server
        .wait_for_messages_blocking(2, Duration::from_millis(200))
        .err()
        .context("only one message arrived")?;
    let error = format!("{error:#}");
    assert!(
        error.contains("1 arrived") && error.contains("\"un\"") && error.contains("not running"),
        "{error}"
    );

    server.restart()?;
    let mut client = Client::connect(port)?;
    assert_eq!(client.command("EHLO client.example")?.0, 250);
    let message = b"Subject: deux\r\n\r\nx\r\n";
    assert_eq!(
        client.send("a@example.org", &["b@example.org"], message)?.0,
        250
    );
    let mails = server.wait_for_messages_blocking(2, WAIT)?;
    let subjects: Vec<_> = mails.iter().filter_map(|mail| mail.subject()).collect();
    assert_eq!(
        subjects,
        ["un", "deux"],
        "numbering goes on after a restart"
    );
    Ok(())
}

#[test]
fn the_black_hole_accepts_connections_and_never_says_anything() -> Result<()> {
    let black_hole = BlackHoleSmtp::start()?;
    assert_eq!(
        black_hole.url(),
        format!("smtp://127.0.0.1:{}", black_hole.port())
    );
    let mut stream = TcpStream::connect(("127.0.0.1", black_hole.port()))?;
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    // Even a command gets no answer.
    stream.write_all(b"EHLO client.example\r\n")?;
    let mut buffer = [0u8; 64];
    match stream.read(&mut buffer) {
        Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        Ok(read) => bail!("the black hole sent {read} bytes: {:?}", &buffer[..read]),
        Err(error) => bail!("the connection failed instead of hanging: {error}"),
    }
    let _second = TcpStream::connect(("127.0.0.1", black_hole.port()))?;
    let deadline = Instant::now() + WAIT;
    while black_hole.connections() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(black_hole.connections(), 2);

    // Dropped, it closes the connections it held.
    drop(black_hole);
    stream.set_read_timeout(Some(WAIT))?;
    match stream.read(&mut buffer) {
        Ok(0) => {}
        Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
        other => bail!("expected the connection closed, got {other:?}"),
    }
    Ok(())
}
