//! A real SMTP server for the tests (`tests/smtp/smtp_server.py`, aiosmtpd in a venv that
//! `cargo xtask test` installs), the mail it received parsed as a mail client shows it, and a
//! black hole that accepts connections and never answers.
//!
//! The Python comes from `BALISE_SMTP_PYTHON`, else `<target>/tools/smtp-venv/bin/python`.
//! `BALISE_SMTP_VERBOSE=1` makes the server log every SMTP exchange to stderr.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use mail_parser::{HeaderValue, MessageParser, MimeHeaders, PartType};

use crate::{target_dir, workspace_root};

/// How long the server may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long [`SmtpServer::stop`] waits after SIGTERM before it kills the server.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A port on 127.0.0.1 that was free a moment ago (bound, then released), to start something
/// on later.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// The Python that runs the SMTP server: `BALISE_SMTP_PYTHON`, else the venv that
/// `cargo xtask test` makes under `<target>/tools/smtp-venv`.
pub fn smtp_python() -> Result<PathBuf> {
    if let Some(python) = std::env::var_os("BALISE_SMTP_PYTHON").filter(|path| !path.is_empty()) {
        return Ok(PathBuf::from(python));
    }
    let venv_python = target_dir().join("tools/smtp-venv/bin/python");
    if venv_python.exists() {
        return Ok(venv_python);
    }
    bail!(
        "no Python with aiosmtpd for the tests' SMTP server: {} is missing. Run `cargo xtask \
         test` (it makes that venv with aiosmtpd 1.4.6), or set BALISE_SMTP_PYTHON to a Python \
         that has aiosmtpd 1.4.6",
        venv_python.display()
    )
}

/// The server script, `tests/smtp/smtp_server.py`.
pub fn smtp_server_script() -> PathBuf {
    workspace_root().join("tests/smtp/smtp_server.py")
}

/// How to start an [`SmtpServer`].
#[derive(Debug, Clone, Default)]
pub struct SmtpOptions {
    /// The port on 127.0.0.1; 0 for any free port.
    pub port: u16,
    /// `(user, password)`: the server then requires AUTH PLAIN or LOGIN (without TLS) and
    /// answers MAIL FROM before it with 530.
    pub auth: Option<(String, String)>,
}

/// The tests' SMTP server process, with its mail directory (a temporary directory removed
/// on drop). Killed on drop if the test did not stop it.
#[derive(Debug)]
pub struct SmtpServer {
    child: Mutex<Option<Child>>,
    port: u16,
    auth: Option<(String, String)>,
    dir: tempfile::TempDir,
    mode_generation: AtomicU64,
}

impl SmtpServer {
    /// Starts the server on any free port, accepting everything.
    pub fn start() -> Result<Self> {
        Self::start_with(SmtpOptions::default())
    }

    /// Starts the server on `port` (reserved earlier with [`free_port`], for instance, so
    /// that the companion could be told the address while the server was down).
    pub fn start_on_port(port: u16) -> Result<Self> {
        Self::start_with(SmtpOptions {
            port,
            ..SmtpOptions::default()
        })
    }

    /// Starts the server with `options`.
    pub fn start_with(options: SmtpOptions) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("balise-smtp-")
            .tempdir()
            .context("making the SMTP server's mail directory")?;
        let (child, port) = spawn(dir.path(), options.port, options.auth.as_ref())?;
        Ok(Self {
            child: Mutex::new(Some(child)),
            port,
            auth: options.auth,
            dir,
            mode_generation: AtomicU64::new(0),
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:PORT` (plain SMTP, no TLS).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// `smtp://USER:PASSWORD@127.0.0.1:PORT` with the credentials of `--auth`
    /// (percent-encoded), or [`url`](Self::url) without them.
    pub fn url_with_credentials(&self) -> String {
        let Some((user, password)) = &self.auth else {
            return self.url();
        };
        let encode = |text: &str| {
            url::form_urlencoded::byte_serialize(text.as_bytes())
                .collect::<String>()
                // form encoding writes spaces as `+`, which a URL's userinfo reads literally.
                .replace('+', "%20")
        };
        format!(
            "smtp://{}:{}@127.0.0.1:{}",
            encode(user),
            encode(password),
            self.port
        )
    }

    /// The directory the server writes `NNNNNN.eml` and `NNNNNN.json` into.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Sets the fault mode, atomically, for the messages that arrive from now on: `ok`;
    /// `451 N` (the next N messages get `451 4.3.0`, then they are accepted); `550` (every
    /// message gets `550 5.7.1`); `delay MS` (the answer to each message waits MS
    /// milliseconds). The server reads it when a message's data has arrived.
    pub fn set_mode(&self, mode: &str) -> Result<()> {
        let words: Vec<&str> = mode.split_whitespace().collect();
        let number = |word: &str| word.parse::<u64>().is_ok();
        let valid = match words.as_slice() {
            ["ok"] | ["550"] => true,
            ["451", count] | ["delay", count] => number(count),
            _ => false,
        };
        ensure!(
            valid,
            "unknown SMTP server mode {mode:?}: use `ok`, `451 N`, `550` or `delay MS`"
        );
        // A new generation line makes every write a change, so `451 1` set twice in a row
        // counts twice.
        let generation = self.mode_generation.fetch_add(1, Ordering::Relaxed) + 1;
        let temporary = self.dir().join(".mode.tmp");
        std::fs::write(
            &temporary,
            format!("{}\n# generation {generation}\n", words.join(" ")),
        )
        .with_context(|| format!("writing {}", temporary.display()))?;
        std::fs::rename(&temporary, self.dir().join("mode"))
            .context("renaming the SMTP server's mode file into place")?;
        Ok(())
    }

    /// Every message accepted so far, in order of arrival.
    pub fn messages(&self) -> Result<Vec<ReceivedMail>> {
        read_mail_dir(self.dir())
    }

    /// Waits until at least `count` messages have arrived and returns them all (in order
    /// of arrival); fails after `timeout`, saying what did arrive. Async, so that servers
    /// in the test's own runtime keep answering meanwhile.
    pub async fn wait_for_messages(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<ReceivedMail>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let messages = self.messages()?;
            if messages.len() >= count {
                return Ok(messages);
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("{}", self.shortfall(count, timeout, &messages));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// [`wait_for_messages`](Self::wait_for_messages) for a test without a runtime.
    pub fn wait_for_messages_blocking(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<ReceivedMail>> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages()?;
            if messages.len() >= count {
                return Ok(messages);
            }
            if Instant::now() >= deadline {
                bail!("{}", self.shortfall(count, timeout, &messages));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn shortfall(&self, count: usize, timeout: Duration, messages: &[ReceivedMail]) -> String {
        let mut text = format!(
            "timed out after {timeout:?} waiting for {count} message(s) at {}; {} arrived",
            self.url(),
            messages.len()
        );
        for mail in messages {
            text.push_str(&format!("\n  {}", mail.summary()));
        }
        if let Ok(mode) = std::fs::read_to_string(self.dir().join("mode")) {
            let mode = mode.lines().next().unwrap_or_default();
            text.push_str(&format!("\n  (mode: {mode})"));
        }
        if !self.is_running() {
            text.push_str("\n  (the server is not running)");
        }
        text
    }

    fn child(&self) -> std::sync::MutexGuard<'_, Option<Child>> {
        self.child
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the server process is running.
    pub fn is_running(&self) -> bool {
        self.child()
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Stops the server with SIGTERM and waits for it (killing it if it takes over
    /// 10 seconds). The mail directory stays readable. Does nothing if already stopped.
    pub fn stop(&self) -> Result<()> {
        let Some(mut child) = self.child().take() else {
            return Ok(());
        };
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        if !matches!(sent, Ok(status) if status.success()) {
            kill_and_reap(&mut child);
            bail!("could not send SIGTERM to the SMTP server (it was killed)");
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        let status: ExitStatus = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if Instant::now() >= deadline {
                kill_and_reap(&mut child);
                bail!("the SMTP server did not exit within {STOP_TIMEOUT:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        ensure!(
            status.success(),
            "the SMTP server exited with {status} after SIGTERM"
        );
        Ok(())
    }

    /// Starts the server again on the same port with the same mail directory and mode
    /// (numbering goes on), after [`stop`](Self::stop).
    pub fn restart(&self) -> Result<()> {
        self.stop()?;
        let (child, _) = spawn(self.dir(), self.port, self.auth.as_ref())?;
        *self.child() = Some(child);
        Ok(())
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child().take() {
            kill_and_reap(&mut child);
        }
    }
}

/// Starts `smtp_server.py` on `port` writing to `dir`; returns it and the port it listens on.
fn spawn(dir: &Path, port: u16, auth: Option<&(String, String)>) -> Result<(Child, u16)> {
    let python = smtp_python()?;
    let script = smtp_server_script();
    let mut command = Command::new(&python);
    command
        .arg(&script)
        .args(["--port", &port.to_string(), "--dir"])
        .arg(dir)
        // The server stops when this pipe closes: when the child is dropped, or when the test
        // process dies without dropping it.
        .arg("--exit-on-stdin-eof")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some((user, password)) = auth {
        command.arg("--auth").arg(format!("{user}:{password}"));
    }
    if std::env::var_os("BALISE_SMTP_VERBOSE").is_some_and(|value| !value.is_empty()) {
        command.arg("--verbose");
    }
    let mut child = command.spawn().with_context(|| {
        format!(
            "starting the SMTP server with {} (run `cargo xtask test` to install it, or set \
             BALISE_SMTP_PYTHON)",
            python.display()
        )
    })?;
    let stdout = child.stdout.take().context("the SMTP server's stdout")?;
    // Read the first line on a thread, to give up after a while.
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let result = reader.read_line(&mut line).map(|_| line);
        let _ = sender.send(result);
        // Keep the pipe open (the server prints nothing more) until the server exits.
        let mut rest = String::new();
        while matches!(reader.read_line(&mut rest), Ok(read) if read > 0) {
            rest.clear();
        }
    });
    let first_line = match receiver.recv_timeout(START_TIMEOUT) {
        Ok(Ok(line)) => line,
        Ok(Err(error)) => {
            kill_and_reap(&mut child);
            return Err(error).context("reading the SMTP server's first line");
        }
        Err(_) => {
            kill_and_reap(&mut child);
            bail!("the SMTP server did not say where it listens within {START_TIMEOUT:?}");
        }
    };
    let expected_prefix = "listening on 127.0.0.1:";
    let listening_port = first_line
        .trim_end()
        .strip_prefix(expected_prefix)
        .and_then(|port| port.parse::<u16>().ok());
    let Some(listening_port) = listening_port else {
        kill_and_reap(&mut child);
        let exit = child
            .try_wait()
            .ok()
            .flatten()
            .map(|status| format!(" ({status})"))
            .unwrap_or_default();
        bail!(
            "the SMTP server{exit} printed {first_line:?} instead of `{expected_prefix}PORT` \
             (its error is above; {} must have aiosmtpd 1.4.6: `cargo xtask test` installs it)",
            python.display()
        );
    };
    ensure!(
        port == 0 || port == listening_port,
        "the SMTP server listens on {listening_port}, not on the asked {port}"
    );
    Ok((child, listening_port))
}

fn kill_and_reap(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// Reads the messages a server wrote to `dir`, in order of arrival.
pub fn read_mail_dir(dir: &Path) -> Result<Vec<ReceivedMail>> {
    let mut numbers = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(stem) = name.strip_suffix(".eml")
            && stem.len() == 6
            && let Ok(number) = stem.parse::<u32>()
        {
            numbers.push(number);
        }
    }
    numbers.sort_unstable();
    numbers
        .into_iter()
        .map(|number| ReceivedMail::read(dir, number))
        .collect()
}

/// An address in a header, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAddress {
    /// The display name (RFC 2047 decoded), if any.
    pub name: Option<String>,
    /// The address, such as `gestion@example.org`.
    pub address: String,
}

/// A part of a message that is not its text or HTML body (mail-parser's view: parts with a
/// file name, non-text parts, and inline images).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The decoded file name (Content-Disposition `filename`, else Content-Type `name`).
    pub filename: Option<String>,
    /// `type/subtype`, lowercase, such as `image/png`.
    pub content_type: String,
    /// `attachment` or `inline`, if the part says.
    pub disposition: Option<String>,
    /// The Content-ID, without angle brackets.
    pub content_id: Option<String>,
    /// The decoded bytes (base64 or quoted-printable undone).
    pub bytes: Vec<u8>,
}

/// One message the server accepted: its envelope, the DATA bytes as received, and
/// accessors that decode it as a mail client would (quoted-printable, base64, RFC 2047
/// encoded words, charsets).
pub struct ReceivedMail {
    /// Its number in the mail directory, 1 for the first.
    pub number: u32,
    /// The envelope sender (MAIL FROM).
    pub mail_from: String,
    /// The envelope recipients (RCPT TO), in order.
    pub rcpt_tos: Vec<String>,
    /// When the server accepted it, RFC 3339 UTC.
    pub received_at: String,
    /// The MAIL FROM parameters, such as `SIZE=1234` or `BODY=8BITMIME`.
    pub mail_options: Vec<String>,
    /// The user the client authenticated as, when the server required AUTH.
    pub auth_login: Option<String>,
    /// The DATA bytes as received (CRLF line endings, dot-stuffing removed).
    pub raw: Vec<u8>,
    parsed: mail_parser::Message<'static>,
}

impl std::fmt::Debug for ReceivedMail {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ReceivedMail")
            .field("number", &self.number)
            .field("mail_from", &self.mail_from)
            .field("rcpt_tos", &self.rcpt_tos)
            .field("received_at", &self.received_at)
            .field("auth_login", &self.auth_login)
            .field("subject", &self.subject())
            .field("bytes", &self.raw.len())
            .finish_non_exhaustive()
    }
}

impl ReceivedMail {
    fn read(dir: &Path, number: u32) -> Result<Self> {
        let eml = dir.join(format!("{number:06}.eml"));
        let json = dir.join(format!("{number:06}.json"));
        let raw = std::fs::read(&eml).with_context(|| format!("reading {}", eml.display()))?;
        let envelope: serde_json::Value = serde_json::from_slice(
            &std::fs::read(&json).with_context(|| format!("reading {}", json.display()))?,
        )
        .with_context(|| format!("parsing {}", json.display()))?;
        let text = |key: &str| envelope.get(key).and_then(|value| value.as_str());
        let list = |key: &str| -> Vec<String> {
            envelope
                .get(key)
                .and_then(|value| value.as_array())
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|item| item.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        Self::from_parts(
            number,
            text("mailFrom").unwrap_or_default().to_owned(),
            list("rcptTos"),
            raw,
        )
        .map(|mut mail| {
            mail.received_at = text("receivedAt").unwrap_or_default().to_owned();
            mail.mail_options = list("mailOptions");
            mail.auth_login = text("authLogin").map(str::to_owned);
            mail
        })
        .with_context(|| format!("reading message {}", eml.display()))
    }

    /// A message from its envelope and raw bytes (for checking a message built elsewhere).
    pub fn from_parts(
        number: u32,
        mail_from: String,
        rcpt_tos: Vec<String>,
        raw: Vec<u8>,
    ) -> Result<Self> {
        let parsed = parser()
            .parse(&raw)
            .map(mail_parser::Message::into_owned)
            .context("mail-parser could not parse the message")?;
        Ok(Self {
            number,
            mail_from,
            rcpt_tos,
            received_at: String::new(),
            mail_options: Vec::new(),
            auth_login: None,
            raw,
            parsed,
        })
    }

    /// One line for error messages: number, envelope, subject.
    pub fn summary(&self) -> String {
        format!(
            "#{} from <{}> to {:?}: {:?} ({} bytes)",
            self.number,
            self.mail_from,
            self.rcpt_tos,
            self.subject().unwrap_or_default(),
            self.raw.len()
        )
    }

    /// The parsed message, for what the accessors below do not cover.
    pub fn parsed(&self) -> &mail_parser::Message<'static> {
        &self.parsed
    }

    /// The decoded Subject.
    pub fn subject(&self) -> Option<String> {
        self.parsed.subject().map(str::to_owned)
    }

    /// The Message-ID, without angle brackets.
    pub fn message_id(&self) -> Option<String> {
        self.parsed.message_id().map(str::to_owned)
    }

    /// The first message ID of In-Reply-To, without angle brackets.
    pub fn in_reply_to(&self) -> Option<String> {
        header_ids(self.parsed.in_reply_to()).into_iter().next()
    }

    /// The message IDs of References, in order, without angle brackets.
    pub fn references(&self) -> Vec<String> {
        header_ids(self.parsed.references())
    }

    /// The first header called `name` (any case): decoded text for unstructured headers
    /// (RFC 2047 undone, unfolded); for structured ones (addresses, dates, content types,
    /// message IDs with their angle brackets) the raw value unfolded. `None` if absent.
    pub fn header(&self, name: &str) -> Option<String> {
        self.header_all(name).into_iter().next()
    }

    /// Every header called `name` (any case), in order, as [`header`](Self::header) gives
    /// them.
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.parsed
            .headers()
            .iter()
            .filter(|header| header.name().eq_ignore_ascii_case(name))
            .map(|header| match header.value() {
                HeaderValue::Text(text) if !is_id_header(name) => text.trim().to_owned(),
                HeaderValue::TextList(items) if !is_id_header(name) => items.join(", "),
                _ => {
                    let start = header.offset_start() as usize;
                    let end = header.offset_end() as usize;
                    let raw = self.raw.get(start..end).unwrap_or_default();
                    unfold(&String::from_utf8_lossy(raw))
                }
            })
            .collect()
    }

    /// The addresses of To, decoded.
    pub fn to(&self) -> Vec<MailAddress> {
        addresses(self.parsed.to())
    }

    /// The addresses of Cc, decoded.
    pub fn cc(&self) -> Vec<MailAddress> {
        addresses(self.parsed.cc())
    }

    /// The addresses of Reply-To, decoded.
    pub fn reply_to(&self) -> Vec<MailAddress> {
        addresses(self.parsed.reply_to())
    }

    /// The first address of From, decoded.
    pub fn from(&self) -> Option<MailAddress> {
        addresses(self.parsed.from()).into_iter().next()
    }

    /// The first text/plain body part, decoded (not a text made from the HTML).
    pub fn text_body(&self) -> Option<String> {
        self.parsed.text_bodies().find_map(|part| match &part.body {
            PartType::Text(text) => Some(text.to_string()),
            _ => None,
        })
    }

    /// The first text/html body part, decoded (not HTML made from the text).
    pub fn html_body(&self) -> Option<String> {
        self.parsed.html_bodies().find_map(|part| match &part.body {
            PartType::Html(html) => Some(html.to_string()),
            _ => None,
        })
    }

    /// The attachments, in order, decoded.
    pub fn attachments(&self) -> Vec<Attachment> {
        self.parsed
            .attachments()
            .map(|part| Attachment {
                filename: part.attachment_name().map(str::to_owned),
                content_type: part
                    .content_type()
                    .map(|content_type| match content_type.subtype() {
                        Some(subtype) => format!("{}/{subtype}", content_type.ctype()),
                        None => content_type.ctype().to_owned(),
                    })
                    .unwrap_or_else(|| "text/plain".to_owned())
                    .to_ascii_lowercase(),
                disposition: part
                    .content_disposition()
                    .map(|disposition| disposition.ctype().to_ascii_lowercase()),
                content_id: part.content_id().map(str::to_owned),
                bytes: part.contents().to_vec(),
            })
            .collect()
    }

    /// What breaks RFC 5322 / 5321 on the wire: bare CR or LF, lines over 998 octets,
    /// NUL bytes, 8-bit bytes in the header. Empty for a well-formed message.
    pub fn wire_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut in_header = true;
        for (index, line) in self.raw.split_inclusive(|byte| *byte == b'\n').enumerate() {
            let number = index + 1;
            let content = line
                .strip_suffix(b"\r\n")
                .or_else(|| line.strip_suffix(b"\n"));
            if line.ends_with(b"\n") && !line.ends_with(b"\r\n") {
                problems.push(format!("line {number} ends with a bare LF"));
            }
            let content = content.unwrap_or(line);
            if content.contains(&b'\r') {
                problems.push(format!("line {number} has a bare CR"));
            }
            if content.len() > 998 {
                problems.push(format!(
                    "line {number} is {} octets long (over 998)",
                    content.len()
                ));
            }
            if content.contains(&0) {
                problems.push(format!("line {number} has a NUL byte"));
            }
            if in_header && content.iter().any(|byte| *byte >= 0x80) {
                problems.push(format!("header line {number} has 8-bit bytes"));
            }
            if content.is_empty() {
                in_header = false;
            }
        }
        problems
    }
}

/// mail-parser's parser with its default choices for known headers, and the others
/// decoded as text (RFC 2047). Its own default leaves unknown headers raw, and ignores
/// `default_header_text` unless some header is configured, hence the whole list.
fn parser() -> MessageParser {
    use mail_parser::HeaderName;
    MessageParser::new()
        .with_mime_headers()
        .with_date_headers()
        .with_address_headers()
        .with_message_ids()
        .header_text(HeaderName::Subject)
        .header_text(HeaderName::Comments)
        .header_address(HeaderName::ListArchive)
        .header_address(HeaderName::ListHelp)
        .header_address(HeaderName::ListId)
        .header_address(HeaderName::ListOwner)
        .header_address(HeaderName::ListPost)
        .header_address(HeaderName::ListSubscribe)
        .header_address(HeaderName::ListUnsubscribe)
        .header_id(HeaderName::ReturnPath)
        .header_comma_separated(HeaderName::Keywords)
        .header_comma_separated(HeaderName::ContentLanguage)
        .header_received(HeaderName::Received)
        .header_raw(HeaderName::MimeVersion)
        .default_header_text()
}

fn is_id_header(name: &str) -> bool {
    ["message-id", "in-reply-to", "references"]
        .iter()
        .any(|id_header| name.eq_ignore_ascii_case(id_header))
}

fn header_ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![id.to_string()],
        HeaderValue::TextList(ids) => ids.iter().map(|id| id.to_string()).collect(),
        _ => Vec::new(),
    }
}

fn addresses(address: Option<&mail_parser::Address<'_>>) -> Vec<MailAddress> {
    address
        .map(|address| {
            address
                .iter()
                .filter_map(|addr| {
                    Some(MailAddress {
                        name: addr.name().map(str::to_owned),
                        address: addr.address()?.to_owned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A header value without its folding, trimmed.
fn unfold(raw: &str) -> String {
    raw.replace("\r\n", "").replace('\n', "").trim().to_owned()
}

/// A TCP listener on 127.0.0.1 that accepts connections and never says anything (no SMTP
/// greeting), holding them open, so a client's timeouts can be tested. Closes everything on
/// drop.
#[derive(Debug)]
pub struct BlackHoleSmtp {
    port: u16,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl BlackHoleSmtp {
    /// Listens on any free port.
    pub fn start() -> Result<Self> {
        Self::start_on_port(0)
    }

    /// Listens on `port` (0 for any).
    pub fn start_on_port(port: u16) -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .with_context(|| format!("binding 127.0.0.1:{port} for the black hole"))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let accepted = Arc::clone(&accepted);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut held: Vec<TcpStream> = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            accepted.fetch_add(1, Ordering::SeqCst);
                            held.push(stream);
                        }
                        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
                // The listener and every held connection close here.
            })
        };
        Ok(Self {
            port,
            accepted,
            stop,
            thread: Some(thread),
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// How many connections it has accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for BlackHoleSmtp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
