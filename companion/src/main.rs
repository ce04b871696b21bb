//! The `balise-companion` binary: a thin command line over the library (`serve`, `token`,
//! `open`, `import`, `verify`, `check`).

use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use balise_companion::store::packages::ImportOutcome;
use balise_companion::{ApiToken, Companion, Settings, check, ensure_data_dir, serve, session};
use clap::{Args, Parser, Subcommand};

/// The file in the data directory where the running companion writes its address, for
/// `balise-companion open`; removed when it stops.
const RUNNING_FILE: &str = "companion-url";

/// Balise's local companion: stores reports from the browser extension as evidence.
#[derive(Debug, Parser)]
#[command(
    name = "balise-companion",
    version,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API, the dashboard and the pairing page (the default).
    Serve(ServeArgs),
    /// Print the API token (creating it if missing), for scripts.
    Token(DataDirArg),
    /// Open the dashboard, signed in, in the default browser (or print a one-time sign-in link).
    Open(OpenArgs),
    /// Bring in a member's report: FILE is the received `.eml` or the evidence package (`.zip`).
    Import(ImportArgs),
    /// Check the whole evidence chain and every stored screenshot (reports' and traces');
    /// exit 1 naming what was altered. With `--against FILE`: also check that the database
    /// still agrees with an evidence package received earlier (exit 1 naming what differs,
    /// 2 if FILE cannot be read).
    Verify(VerifyArgs),
    /// Check a text read on standard input against the policy; exit 1 if a required item fails.
    Check(check::CheckArgs),
}

#[derive(Debug, Args)]
struct OpenArgs {
    #[command(flatten)]
    data_dir: DataDirArg,
    /// Only print the link; do not start a browser.
    #[arg(long)]
    no_browser: bool,
}

#[derive(Debug, Args)]
struct ImportArgs {
    #[command(flatten)]
    data_dir: DataDirArg,
    /// The received email (`.eml`) or the evidence package attached to it (`.zip`).
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    #[command(flatten)]
    data_dir: DataDirArg,
    /// An evidence package received earlier (`.zip`, or the `.eml` it is attached to).
    #[arg(long, value_name = "FILE")]
    against: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct DataDirArg {
    /// Data directory [default: the user's data directory for Balise].
    #[arg(long, env = "BALISE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    data_dir: DataDirArg,
    /// TCP port (0 picks a free one) [default: 7878, or balise.toml / BALISE_PORT].
    #[arg(long)]
    port: Option<u16>,
    /// Loopback address to bind (127.0.0.1 or ::1) [default: 127.0.0.1].
    #[arg(long)]
    bind: Option<IpAddr>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Token(args)) => token(&args),
        Some(Command::Open(args)) => open(&args),
        Some(Command::Import(args)) => import(&args),
        Some(Command::Verify(args)) => return verify(&args),
        Some(Command::Check(args)) => return check::run(&args),
        Some(Command::Serve(args)) => run_server(&args),
        None => run_server(&cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("balise-companion: erreur / error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn data_dir(arg: &DataDirArg) -> Result<PathBuf, String> {
    let dir = match &arg.data_dir {
        Some(dir) => dir.clone(),
        None => directories::ProjectDirs::from("ca", "SEC-CSQ", "Balise")
            .map(|dirs| dirs.data_dir().to_owned())
            .ok_or("cannot find the user's data directory; pass --data-dir DIR")?,
    };
    ensure_data_dir(&dir).map_err(|error| error.to_string())?;
    Ok(dir)
}

fn token(args: &DataDirArg) -> Result<(), String> {
    let dir = data_dir(args)?;
    let token = ApiToken::load_or_create(&dir).map_err(|error| error.to_string())?;
    println!("{}", token.expose());
    Ok(())
}

/// Makes a one-time sign-in link for the running companion of a data directory, prints it,
/// and opens it in the default browser unless asked not to.
fn open(args: &OpenArgs) -> Result<(), String> {
    let dir = data_dir(&args.data_dir)?;
    let base_url = running_url(&dir)?;
    let store = balise_companion::Store::open(&dir).map_err(|error| error.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))?;
    let code = runtime.block_on(session::new_signin_code(&store));
    let closed = store.close();
    let code = code.map_err(|error| error.to_string())?;
    closed.map_err(|error| format!("closing the database: {error}"))?;
    let url = session::signin_url(&base_url, &code);
    println!(
        "Tableau de bord / Dashboard: {url}\n(lien à usage unique, valable 15 minutes / one-time link, valid for 15 minutes)"
    );
    if !args.no_browser {
        match open_in_browser(&url) {
            Ok(()) => {
                println!("Ouvert dans le navigateur par défaut / Opened in the default browser")
            }
            Err(error) => println!(
                "Ouvrez ce lien dans votre navigateur / Open this link in your browser ({error})"
            ),
        }
    }
    Ok(())
}

/// The address of the companion running on a data directory, as it wrote it at start-up,
/// once it answers there.
fn running_url(dir: &Path) -> Result<String, String> {
    let file = dir.join(RUNNING_FILE);
    let not_running = || {
        format!(
            "the companion of {} is not running: start it with `balise-companion serve` (or `cargo xtask run`), then run this again / \
             le compagnon de ce dossier ne fonctionne pas : démarrez-le, puis relancez cette commande",
            dir.display()
        )
    };
    let url = std::fs::read_to_string(&file).map_err(|_| not_running())?;
    let url = url.trim().to_owned();
    let addr = url
        .strip_prefix("http://")
        .and_then(|rest| rest.parse::<SocketAddr>().ok())
        .ok_or_else(|| {
            format!(
                "{} is malformed: {url:?}; restart the companion",
                file.display()
            )
        })?;
    if !answers_health(addr) {
        return Err(not_running());
    }
    Ok(url)
}

/// Whether a Balise companion answers `GET /api/v1/health` at `addr` (within 2 seconds).
fn answers_health(addr: SocketAddr) -> bool {
    use std::io::{Read, Write};
    let timeout = std::time::Duration::from_secs(2);
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&addr, timeout) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    let request =
        format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let _ = stream.take(64 * 1024).read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    answer.starts_with("HTTP/1.1 200") && answer.contains("\"status\":\"ok\"")
}

/// Asks the desktop to open a URL in the default browser.
fn open_in_browser(url: &str) -> Result<(), String> {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut command = std::process::Command::new("cmd");
        command.args(["/C", "start", ""]);
        command
    } else {
        std::process::Command::new("xdg-open")
    };
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    match command.spawn() {
        Ok(_) => Ok(()),
        Err(error) => Err(format!("no browser could be started: {error}")),
    }
}

fn import(args: &ImportArgs) -> Result<(), String> {
    let bytes = std::fs::read(&args.file)
        .map_err(|error| format!("cannot read {}: {error}", args.file.display()))?;
    let dir = data_dir(&args.data_dir)?;
    let settings = Settings::load(&dir).map_err(|error| error.to_string())?;
    let companion = Companion::open(settings).map_err(|error| error.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))?;
    let store = companion.store.clone();
    let outcome = runtime.block_on(balise_companion::import::import_file(&store, bytes));
    let closed = store.close();
    let outcome = outcome.map_err(|error| match error {
        balise_companion::Error::Client { message, .. } => message.into_owned(),
        other => other.to_string(),
    })?;
    closed.map_err(|error| format!("closing the database: {error}"))?;
    match outcome {
        ImportOutcome::Imported { id, evidence_seq } => println!(
            "Signalement importé / Report imported: {id} (entrée {evidence_seq} du journal de preuves / evidence-log entry {evidence_seq})"
        ),
        ImportOutcome::AlreadyPresent { id } => {
            println!("Déjà importé, rien n'a changé / Already imported, nothing changed: {id}")
        }
    }
    Ok(())
}

/// Exit status of `verify`: 0 consistent, 1 altered or different, 2 unreadable input.
fn verify(args: &VerifyArgs) -> ExitCode {
    match verify_checked(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("balise-companion: erreur / error: {message}");
            ExitCode::from(code)
        }
    }
}

fn verify_checked(args: &VerifyArgs) -> Result<(), (u8, String)> {
    let unreadable = |message: String| (2u8, message);
    // The package is read and checked on its own before the database is opened.
    let package = match &args.against {
        None => None,
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|error| {
                unreadable(format!(
                    "impossible de lire / cannot read {}: {error}",
                    path.display()
                ))
            })?;
            match balise_companion::import::packages_from_file(&bytes) {
                Ok(packages) => {
                    for package in &packages {
                        println!("{}", balise_companion::against::package_line(package));
                    }
                    Some(packages)
                }
                Err(error) if error.is_unreadable() => return Err(unreadable(error.to_string())),
                Err(error) => {
                    println!(
                        "ALTÉRÉ / ALTERED: le paquet lui-même ne se vérifie pas / the package itself does not verify: {error}"
                    );
                    return Err((
                        1,
                        "the package does not verify: it was altered after it was made / le paquet ne se vérifie pas : il a été modifié après sa création".to_owned(),
                    ));
                }
            }
        }
    };
    let dir = data_dir(&args.data_dir).map_err(unreadable)?;
    if !dir.join(balise_companion::store::DB_FILE).exists() {
        return Err(unreadable(format!(
            "no Balise database in {} / aucune base de données Balise dans ce dossier",
            dir.display()
        )));
    }
    let store =
        balise_companion::Store::open(&dir).map_err(|error| unreadable(error.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| unreadable(format!("cannot start the async runtime: {error}")))?;
    let checked = runtime.block_on(store.read(move |tx| -> balise_companion::error::Result<_> {
        let against = package
            .as_ref()
            .map(|packages| balise_companion::against::compare_all(tx, packages))
            .transpose()?;
        Ok((
            balise_companion::verify_evidence_chain(tx)?,
            balise_companion::store::reports::screenshot_problems(tx)?,
            balise_companion::store::reports::count_unredacted(tx)?,
            balise_companion::store::privacy::count(tx)?,
            balise_companion::store::traces::screenshot_problems(tx)?,
            against,
            balise_companion::store::screenshot_files::orphans(
                tx,
                &balise_companion::store::screenshot_files::data_dir_of(tx)?,
            )?,
        ))
    }));
    let _ = store.close();
    let (
        chain,
        screenshots,
        reports,
        redacted,
        (trace_problems, trace_screenshots),
        against,
        orphans,
    ) = checked.map_err(|error| unreadable(error.to_string()))?;
    let mut altered = false;
    match (&chain.first_broken_seq, &chain.head) {
        (Some(seq), _) => {
            altered = true;
            println!(
                "ALTÉRÉ / ALTERED: evidence-log entry {seq}: {}",
                chain.reason.as_deref().unwrap_or("broken")
            );
        }
        (None, Some(head)) => println!(
            "Chaîne de preuves intacte / Evidence chain intact: {} entries, head #{} {head}",
            chain.entries, chain.entries
        ),
        (None, None) => println!("Chaîne de preuves vide / Evidence chain empty"),
    }
    for (id, problem) in &screenshots {
        altered = true;
        println!("ALTÉRÉ / ALTERED: report {id}: {problem}");
    }
    for (id, problem) in &trace_problems {
        altered = true;
        println!("ALTÉRÉ / ALTERED: trace {id}: {problem}");
    }
    if altered {
        return Err((
            1,
            "the evidence does not verify: see the lines above / les preuves ne se vérifient pas"
                .to_owned(),
        ));
    }
    println!("Captures vérifiées / Screenshots verified: {reports} of {reports}");
    if trace_screenshots > 0 {
        println!(
            "Captures des traces vérifiées / Trace screenshots verified: {trace_screenshots} of {trace_screenshots}"
        );
    }
    if !orphans.is_empty() {
        // A crash between a screenshot's file and its row leaves such a file; nothing reads
        // it, and the companion removes it when it next starts.
        println!(
            "Fichiers de capture qu'aucun signalement ne nomme (ignorés, retirés au prochain démarrage) / \
             Screenshot files no report names (ignored, removed at the next start): {}",
            orphans.len()
        );
    }
    if redacted > 0 {
        println!(
            "Signalements caviardés / Reports redacted: {redacted} (contenu et capture supprimés, empreintes gardées au journal / content and screenshot removed, hashes kept in the log)"
        );
    }
    if let Some(comparison) = against {
        for note in &comparison.notes {
            println!("{note}");
        }
        for difference in &comparison.differences {
            println!("{difference}");
        }
        if !comparison.agrees() {
            return Err((
                1,
                "the database no longer agrees with the package: see the lines above / la base ne concorde plus avec le paquet".to_owned(),
            ));
        }
        println!(
            "Concordance / Consistent: la base concorde avec le paquet (entrées et tête de chaîne inchangées) / the database agrees with the package (entries and chain head unchanged)"
        );
    }
    Ok(())
}

fn init_logging() {
    let level = std::env::var("BALISE_LOG")
        .ok()
        .and_then(|value| value.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(level)
        .with_target(false)
        .init();
}

fn run_server(args: &ServeArgs) -> Result<(), String> {
    let dir = data_dir(&args.data_dir)?;
    // Settings and policy are checked before anything in the data directory is created or opened.
    let mut settings = Settings::load(&dir).map_err(|error| error.to_string())?;
    if let Some(port) = args.port {
        settings.port = port;
    }
    if let Some(bind) = args.bind {
        settings.bind = bind;
    }
    settings.check().map_err(|error| error.to_string())?;
    init_logging();
    balise_companion::timing::init_from_env();
    let addr = SocketAddr::new(settings.bind, settings.port);
    let companion = Companion::open(settings).map_err(|error| error.to_string())?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|error| bind_error(addr, &error))?;
        let bound = listener
            .local_addr()
            .map_err(|error| format!("cannot read the bound address: {error}"))?;
        // Signal handlers are installed before the address is announced, so a launcher that
        // sends SIGTERM right after reading it gets a clean stop.
        let shutdown = shutdown_signal()?;
        let base = announce(bound, &dir);
        let running = dir.join(RUNNING_FILE);
        if let Err(error) = std::fs::write(&running, format!("{base}\n")) {
            tracing::warn!(%error, "cannot write {}; `balise-companion open` will not find this companion", running.display());
        }
        match session::new_signin_code(&companion.store).await {
            Ok(code) => println!(
                "Tableau de bord / Dashboard: {} (lien à usage unique, 15 minutes; ensuite : balise-companion open / one-time link, 15 minutes; later: balise-companion open)",
                session::signin_url(&base, &code)
            ),
            Err(error) => tracing::warn!(%error, "cannot make a sign-in link"),
        }
        announce_mail(&companion.mailer.settings());
        let served = serve(listener, companion, shutdown).await;
        let _ = std::fs::remove_file(&running);
        served.map_err(|error| format!("server error: {error}"))?;
        for line in balise_companion::timing::summary() {
            println!("{line}");
        }
        println!("Balise companion stopped");
        Ok(())
    })
}

fn bind_error(addr: SocketAddr, error: &std::io::Error) -> String {
    if error.kind() == std::io::ErrorKind::AddrInUse {
        format!(
            "port {} is already in use on {} (is another companion running?); \
             choose another port with --port / le port est déjà utilisé : choisissez-en un autre avec --port",
            addr.port(),
            addr.ip()
        )
    } else {
        format!("cannot listen on {addr}: {error}")
    }
}

/// Prints where the companion listens and how to pair; returns its base URL.
fn announce(bound: SocketAddr, dir: &Path) -> String {
    let base = match bound {
        SocketAddr::V4(v4) => format!("http://{}:{}", v4.ip(), v4.port()),
        SocketAddr::V6(v6) => format!("http://[{}]:{}", v6.ip(), v6.port()),
    };
    println!("Balise companion listening on {base}");
    println!("Data directory / Dossier de données: {}", dir.display());
    println!("Pairing page / Page de jumelage: {base}/pair");
    println!(
        "To pair: sign in with the dashboard link below in the browser that has the Balise extension, open the pairing page, click \"Pair this browser\", then approve the request marked as this browser's. / \
         Pour jumeler : connectez-vous avec le lien du tableau de bord ci-dessous dans le navigateur où est l'extension Balise, ouvrez la page de jumelage, cliquez « Jumeler ce navigateur », puis approuvez la demande marquée comme celle de ce navigateur."
    );
    base
}

/// Says whether email forwarding is on, and every settings problem with what to fix.
fn announce_mail(mail: &balise_companion::mail::MailSettings) {
    use balise_companion::mail::Role;
    let role = match mail.role {
        Role::Member => "membre / member",
        Role::Manager => "gestionnaire / manager",
    };
    if mail.forwarding_on() {
        let (to, what) = match mail.role {
            Role::Member => (
                &mail.manager_email,
                "reports go to / les signalements vont à",
            ),
            Role::Manager => (&mail.board_email, "forwards go to / les transferts vont à"),
        };
        let to: Vec<String> = to.iter().map(ToString::to_string).collect();
        println!(
            "Email forwarding / Transfert par courriel: on ({role}); {what} {} via {}",
            to.join(", "),
            mail.smtp_url
                .as_ref()
                .map(|url| url.redacted())
                .unwrap_or_default()
        );
    } else {
        println!(
            "Email forwarding / Transfert par courriel: off ({role}); reports are stored and their emails wait / \
             les signalements sont conservés et leurs courriels attendent. Missing / Manque: {}",
            mail.missing().join("; ")
        );
    }
    for problem in &mail.problems {
        println!("Setting problem / Problème de réglage: {problem}");
        tracing::warn!(
            setting = problem.setting,
            "email setting problem: {}",
            problem.message
        );
    }
}

#[cfg(unix)]
fn shutdown_signal() -> Result<impl Future<Output = ()> + Send + 'static, String> {
    use tokio::signal::unix::{SignalKind, signal};
    // Both handlers are registered now, not at the first poll.
    let mut interrupt = signal(SignalKind::interrupt())
        .map_err(|error| format!("cannot listen for Ctrl+C: {error}"))?;
    let mut terminate = signal(SignalKind::terminate())
        .map_err(|error| format!("cannot listen for SIGTERM: {error}"))?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => tracing::info!("Ctrl+C received, stopping"),
            _ = terminate.recv() => tracing::info!("SIGTERM received, stopping"),
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl Future<Output = ()> + Send + 'static, String> {
    Ok(async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl+C");
            std::future::pending::<()>().await;
        }
        tracing::info!("Ctrl+C received, stopping");
    })
}
