//! The real binary: start with --port 0, announce, answer, stop on SIGTERM; config errors; `token`.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_balise-companion");

struct Running {
    child: Child,
    base: String,
    reader: BufReader<std::process::ChildStdout>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn start(data_dir: &Path, extra: &[&str]) -> Running {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .env("BALISE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let base = first
        .trim()
        .strip_prefix("Balise companion listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    Running {
        child,
        base,
        reader,
    }
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(started.elapsed() < timeout, "the companion did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn starts_on_port_0_answers_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(dir.path(), &[]);
    assert!(running.base.starts_with("http://127.0.0.1:"));
    let port: u16 = running.base.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0, "prints the real port");

    let health: serde_json::Value = reqwest::get(format!("{}/api/v1/health", running.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");

    // The token the server uses is the one `token` prints.
    let output = Command::new(BIN)
        .args(["token", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert_eq!(token.len(), 64);
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/policy", running.base))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    sigterm(&running.child);
    let status = wait_with_timeout(&mut running.child, Duration::from_secs(20));
    assert!(status.success(), "exit status {status}");
    let mut rest = String::new();
    running.reader.read_to_string(&mut rest).unwrap();
    assert!(rest.contains(&format!("{}/pair", running.base)), "{rest}");
    assert!(rest.contains(&dir.path().display().to_string()), "{rest}");
    assert!(rest.contains("Balise companion stopped"), "{rest}");
}

#[test]
fn token_subcommand_creates_then_repeats_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("nouveau");
    let run = || {
        let output = Command::new(BIN)
            .args(["token", "--data-dir"])
            .arg(&data_dir)
            .output()
            .unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    let first = run();
    assert_eq!(first.trim().len(), 64);
    assert_eq!(run(), first);
    assert_eq!(
        std::fs::read_to_string(data_dir.join("token"))
            .unwrap()
            .trim(),
        first.trim()
    );
}

fn failing_start(data_dir: &Path, args: &[&str]) -> String {
    let output = Command::new(BIN)
        .args(["serve", "--data-dir"])
        .arg(data_dir)
        .args(args)
        .output()
        .unwrap();
    assert!(!output.status.success(), "should fail");
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("listening"),
        "must not start"
    );
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn broken_settings_file_is_named_with_its_line_and_nothing_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("balise.toml"),
        "# réglages\nport = 7879\nmax_screenshot_bytes = \"beaucoup\"\n",
    )
    .unwrap();
    let stderr = failing_start(dir.path(), &["--port", "0"]);
    assert!(stderr.contains("balise.toml"), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(!dir.path().join("balise.sqlite3").exists());
    assert!(!dir.path().join("token").exists());
}

#[test]
fn broken_policy_file_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    // A first run creates the store; the broken policy must leave it as it was.
    let output = Command::new(BIN)
        .args(["token", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    std::fs::write(
        dir.path().join("policy.toml"),
        "version = 1\n\n[organization\nname = \"x\"\n",
    )
    .unwrap();
    let stderr = failing_start(dir.path(), &["--port", "0"]);
    assert!(stderr.contains("policy.toml"), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(!dir.path().join("balise.sqlite3").exists());
}

#[test]
fn non_loopback_addresses_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = failing_start(dir.path(), &["--port", "0", "--bind", "0.0.0.0"]);
    assert!(stderr.contains("loopback"), "{stderr}");
    std::fs::write(dir.path().join("balise.toml"), "bind = \"192.168.1.10\"\n").unwrap();
    let stderr = failing_start(dir.path(), &["--port", "0"]);
    assert!(stderr.contains("loopback"), "{stderr}");
}

#[test]
fn a_port_in_use_is_reported_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let stderr = failing_start(dir.path(), &["--port", &port]);
    assert!(stderr.contains("already in use"), "{stderr}");
    assert!(stderr.contains("--port"), "{stderr}");
}

#[test]
fn ctrl_c_stops_cleanly_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(dir.path(), &[]);
    let status = Command::new("kill")
        .args(["-INT", &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = wait_with_timeout(&mut running.child, Duration::from_secs(20));
    assert!(status.success(), "exit status {status}");
    let mut rest = String::new();
    running.reader.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("Balise companion stopped"), "{rest}");
    // The database was opened and closed cleanly: no WAL left behind.
    assert!(dir.path().join("balise.sqlite3").exists());
    assert!(!dir.path().join("balise.sqlite3-wal").exists());
}

/// Runs `check` with `args` on `input`: (exit code, stdout, stderr).
fn check(args: &[&str], input: &[u8]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .arg("check")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn check_reports_findings_as_json_and_fails_on_a_failing_required_item() {
    let text = "Appelez Marie au 4185550199 ou voyez youtu.be/abc. NAS 046 454 286.\n— Personnel du SEC-CSQ";
    let (code, stdout, stderr) = check(&["--json"], text.as_bytes());
    assert_eq!(code, 1, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let findings: Vec<(String, String, String, u64, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| ["phone", "shortener", "sin"].contains(&f["kind"].as_str().unwrap()))
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["excerpt"].as_str().unwrap().to_owned(),
                f["start"].as_u64().unwrap(),
                f["end"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            (
                "phone".into(),
                "warning".into(),
                "4185550199".into(),
                17,
                27
            ),
            (
                "shortener".into(),
                "warning".into(),
                "youtu.be/abc".into(),
                37,
                49
            ),
            ("sin".into(), "error".into(), "046 454 286".into(), 55, 66),
        ]
    );
    let phone = &json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "phone")
        .unwrap()["message"];
    assert!(
        phone["fr"]
            .as_str()
            .unwrap()
            .starts_with("Numéro de téléphone")
    );
    assert!(phone["en"].as_str().unwrap().starts_with("Phone number"));
    let privacy = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == "vie-privee")
        .unwrap();
    assert_eq!(privacy["state"], "fail");
    assert_eq!(privacy["required"], true);
    assert_eq!(json["requiredFailing"], 1);
}

#[test]
fn check_exits_0_when_no_required_item_fails_and_2_on_bad_input() {
    let text = "Les enseignantes de Charlevoix vous saluent.\n— Personnel du SEC-CSQ";
    let (code, stdout, stderr) = check(&[], text.as_bytes());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.starts_with("Politique SEC-CSQ / SEC-CSQ policy : "),
        "{stdout}"
    );
    assert!(
        stdout.contains("[conforme / satisfied] Ma publication ne révèle aucun renseignement personnel. / My post reveals no personal information. (obligatoire / required)"),
        "{stdout}"
    );

    let (code, _, stderr) = check(&[], b"\xff\xfe");
    assert_eq!(code, 2);
    assert!(stderr.contains("not UTF-8"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "version = 1\n").unwrap();
    let (code, _, stderr) = check(&["--policy", policy.to_str().unwrap()], b"Bonjour");
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid policy"), "{stderr}");
    let (code, _, stderr) = check(&["--policy", "/nonexistent/policy.toml"], b"Bonjour");
    assert_eq!(code, 2, "{stderr}");
}

/// The sign-in link in a line printed by `serve` or `open`.
fn sign_in_link(printed: &str) -> String {
    printed
        .lines()
        .find_map(|line| line.strip_prefix("Tableau de bord / Dashboard: "))
        .unwrap_or_else(|| panic!("no sign-in link in {printed:?}"))
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

async fn sign_in_status(link: &str) -> (u16, bool) {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(link)
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.headers().contains_key("set-cookie"),
    )
}

#[tokio::test]
async fn serve_prints_a_one_time_sign_in_link_and_open_makes_more_while_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(dir.path(), &[]);
    // The start-up lines, up to the email line that follows the link.
    let mut printed = String::new();
    while !printed.contains("Tableau de bord / Dashboard: ") {
        let mut line = String::new();
        assert_ne!(running.reader.read_line(&mut line).unwrap(), 0, "{printed}");
        printed.push_str(&line);
    }
    let startup_link = sign_in_link(&printed);
    assert!(
        startup_link.starts_with(&format!("{}/signin?code=", running.base)),
        "{startup_link}"
    );
    assert_eq!(sign_in_status(&startup_link).await, (303, true));
    assert_eq!(sign_in_status(&startup_link).await, (401, false), "once");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("companion-url"))
            .unwrap()
            .trim(),
        running.base
    );

    let open = || {
        Command::new(BIN)
            .args(["open", "--no-browser", "--data-dir"])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let output = open();
    assert!(output.status.success(), "{output:?}");
    let link = sign_in_link(&String::from_utf8(output.stdout).unwrap());
    assert!(link.starts_with(&format!("{}/signin?code=", running.base)));
    assert_ne!(link, startup_link);
    assert_eq!(sign_in_status(&link).await, (303, true));

    sigterm(&running.child);
    let status = wait_with_timeout(&mut running.child, Duration::from_secs(20));
    assert!(status.success());
    assert!(
        !dir.path().join("companion-url").exists(),
        "the address file goes with the companion"
    );
    let output = open();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("is not running"), "{stderr}");
    assert!(stderr.contains("balise-companion serve"), "{stderr}");
    assert!(
        output.stdout.is_empty(),
        "no link for a companion that is not there"
    );
}
