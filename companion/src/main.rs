//! The `balise-companion` binary: a thin command line over the library (`serve`, `token`).

use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use balise_companion::store::reports::ImportOutcome;
use balise_companion::{ApiToken, Companion, Settings, ensure_data_dir, serve};
use clap::{Args, Parser, Subcommand};

mod check;

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
    /// Bring in a member's report: FILE is the received `.eml` or the evidence package (`.zip`).
    Import(ImportArgs),
    /// Check the whole evidence chain and every stored screenshot (reports' and traces');
    /// exit 1 naming what was altered.
    Verify(DataDirArg),
    /// Check a text read on standard input against the policy; exit 1 if a required item fails.
    Check(check::CheckArgs),
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
        Some(Command::Import(args)) => import(&args),
        Some(Command::Verify(args)) => verify(&args),
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

fn verify(args: &DataDirArg) -> Result<(), String> {
    let dir = data_dir(args)?;
    if !dir.join(balise_companion::store::DB_FILE).exists() {
        return Err(format!(
            "no Balise database in {} / aucune base de données Balise dans ce dossier",
            dir.display()
        ));
    }
    let store = balise_companion::Store::open(&dir).map_err(|error| error.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))?;
    let checked = runtime.block_on(store.read(|tx| {
        Ok((
            balise_companion::verify_evidence_chain(tx)?,
            balise_companion::store::reports::screenshot_problems(tx)?,
            balise_companion::store::reports::count(tx)?,
            balise_companion::store::traces::screenshot_problems(tx)?,
        ))
    }));
    let _ = store.close();
    let (chain, screenshots, reports, (trace_problems, trace_screenshots)) =
        checked.map_err(|error| error.to_string())?;
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
        return Err(
            "the evidence does not verify: see the lines above / les preuves ne se vérifient pas"
                .to_owned(),
        );
    }
    println!("Captures vérifiées / Screenshots verified: {reports} of {reports}");
    if trace_screenshots > 0 {
        println!(
            "Captures des traces vérifiées / Trace screenshots verified: {trace_screenshots} of {trace_screenshots}"
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
        announce(bound, &dir);
        announce_mail(&companion.mailer.settings());
        serve(listener, companion, shutdown)
            .await
            .map_err(|error| format!("server error: {error}"))?;
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

fn announce(bound: SocketAddr, dir: &Path) {
    let base = match bound {
        SocketAddr::V4(v4) => format!("http://{}:{}", v4.ip(), v4.port()),
        SocketAddr::V6(v6) => format!("http://[{}]:{}", v6.ip(), v6.port()),
    };
    println!("Balise companion listening on {base}");
    println!("Data directory / Dossier de données: {}", dir.display());
    println!("Pairing page / Page de jumelage: {base}/pair");
    println!(
        "To pair: open the pairing page in the browser that has the Balise extension, click \"Pair this browser\", then approve the request marked as this browser's. / \
         Pour jumeler : ouvrez la page de jumelage dans le navigateur où est l'extension Balise, cliquez « Jumeler ce navigateur », puis approuvez la demande marquée comme celle de ce navigateur."
    );
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
