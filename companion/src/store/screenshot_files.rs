//! Report screenshots as content-addressed files: `<data-dir>/evidence/ab/cdef…`, named by
//! their SHA-256, written and made durable before the row that names them is committed.
//!
//! Invariants (also in ARCHITECTURE.md, "Invariants"):
//!
//! - A file is only ever created by writing a temporary file in its directory, `fsync`ing
//!   it, renaming it to its final name and `fsync`ing the directory ([`store_durably`]);
//!   so a final name holds complete bytes, and once [`store_durably`] returns, a crash
//!   keeps it.
//! - A `screenshots` row whose `png` is NULL names a file; the upload makes the file durable
//!   first and [`super::reports::insert`] checks, in the writer's transaction, that it is
//!   still there (writing it itself if not), so a committed row never lacks its file. A
//!   crash between the file and the row leaves an orphan file, which nothing reads and
//!   [`sweep`] removes at the next start.
//! - Identical screenshots share one file. A file is removed only by the writer thread
//!   (serialized with every insert), once no row names its hash ([`remove_if_unreferenced`]),
//!   after the redaction that dropped the last row committed.
//! - Rows written before this layout keep their bytes in `png` and are read from there.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use rusqlite::Connection;

use super::{Error, Result};

/// The directory of screenshot files inside the data directory.
pub const EVIDENCE_DIR: &str = "evidence";

/// Temporary files (being written) start with this; never a final name.
const TEMP_PREFIX: &str = ".tmp-";

/// [`sweep`] leaves files younger than this alone: an upload of another process (a second
/// companion started by mistake on the same directory) may be about to name it.
pub const SWEEP_MIN_AGE: Duration = Duration::from_secs(60);

/// `<data_dir>/evidence`.
pub fn evidence_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(EVIDENCE_DIR)
}

/// The data directory of a connection's database file (its parent directory).
pub fn data_dir_of(conn: &Connection) -> Result<PathBuf> {
    let path = conn.path().filter(|path| !path.is_empty()).ok_or_else(|| {
        Error::other("the database has no file, so no directory for screenshot files")
    })?;
    Path::new(path)
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::other("the database file has no parent directory"))
}

fn is_sha256_hex(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

/// The file of a screenshot: `evidence/<first two hex digits>/<the other 62>`.
/// [`Error::Corrupted`] if `sha256` is not 64 lowercase hex digits (it comes from a row).
pub fn path_of(data_dir: &Path, sha256: &str) -> Result<PathBuf> {
    if !is_sha256_hex(sha256) {
        return Err(Error::Corrupted {
            subject: sha256.to_owned(),
            detail: "a screenshot hash is not 64 lowercase hex digits".to_owned(),
        });
    }
    Ok(evidence_dir(data_dir).join(&sha256[..2]).join(&sha256[2..]))
}

/// The path shown in messages, relative to the data directory.
pub fn display_path(sha256: &str) -> String {
    if is_sha256_hex(sha256) {
        format!("{EVIDENCE_DIR}/{}/{}", &sha256[..2], &sha256[2..])
    } else {
        format!("{EVIDENCE_DIR}/?")
    }
}

/// Creates `evidence/` and its 256 subdirectories if missing, and makes their entries
/// durable; run once when the store opens, so that uploads never create a directory.
pub fn prepare_dirs(data_dir: &Path) -> std::io::Result<()> {
    let root = evidence_dir(data_dir);
    let mut created = false;
    if !root.is_dir() {
        create_private_dir(&root)?;
        sync_dir(data_dir)?;
        created = true;
    }
    for byte in 0..=255u8 {
        let sub = root.join(format!("{byte:02x}"));
        if !sub.is_dir() {
            create_private_dir(&sub)?;
            created = true;
        }
    }
    if created {
        sync_dir(&root)?;
    }
    Ok(())
}

#[cfg(unix)]
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

#[cfg(not(unix))]
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    match std::fs::create_dir(path) {
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// `fsync` of a directory: its entries (a rename, a new file) survive a crash.
#[cfg(unix)]
fn sync_dir(path: &Path) -> std::io::Result<()> {
    File::open(path)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

fn create_new_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn io_error(what: &str, path: &Path, error: &std::io::Error) -> Error {
    Error::other(format!("{what} {}: {error}", path.display()))
}

/// Makes `bytes` durable as the file of `sha256` (which the caller has checked is their
/// SHA-256): if the file is there with the same bytes it is `fsync`ed again (it may be an
/// orphan of a crashed process whose rename was not yet durable), else written to a
/// temporary file, `fsync`ed, renamed and its directory `fsync`ed. Blocking: run it on the
/// blocking pool. Uploads call it in parallel, before queueing their row.
pub fn store_durably(data_dir: &Path, sha256: &str, bytes: &[u8]) -> Result<()> {
    let path = path_of(data_dir, sha256)?;
    let dir = path
        .parent()
        .ok_or_else(|| Error::other("a screenshot file has no directory"))?;
    if !dir.is_dir() {
        prepare_dirs(data_dir).map_err(|error| io_error("creating", dir, &error))?;
    }
    if same_bytes(&path, bytes) {
        File::open(&path)
            .and_then(|file| file.sync_all())
            .map_err(|error| io_error("syncing", &path, &error))?;
        return sync_dir(dir).map_err(|error| io_error("syncing", dir, &error));
    }
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let temp = dir.join(format!(
        "{TEMP_PREFIX}{}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        &sha256[2..10]
    ));
    let written = create_new_private(&temp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, &path));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io_error("writing", &path, &error));
    }
    sync_dir(dir).map_err(|error| io_error("syncing", dir, &error))
}

/// Whether the file at `path` holds exactly `bytes`.
fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    let Ok(mut file) = File::open(path) else {
        return false;
    };
    if file
        .metadata()
        .map_or(true, |meta| meta.len() != bytes.len() as u64)
    {
        return false;
    }
    let mut stored = Vec::with_capacity(bytes.len());
    file.read_to_end(&mut stored).is_ok() && stored == bytes
}

/// For the writer, inside the transaction that inserts a row naming `sha256`: if the file
/// is not there with `bytes.len()` bytes (an erasure removed it after the upload wrote it,
/// or the caller did not write it first), writes it durably now.
pub fn ensure_present(data_dir: &Path, sha256: &str, bytes: &[u8]) -> Result<()> {
    let path = path_of(data_dir, sha256)?;
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => Ok(()),
        _ => store_durably(data_dir, sha256, bytes),
    }
}

/// The bytes of a screenshot's file, `None` if there is no such file.
pub fn read(data_dir: &Path, sha256: &str) -> Result<Option<Vec<u8>>> {
    let path = path_of(data_dir, sha256)?;
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io_error("reading", &path, &error)),
    }
}

fn is_referenced(conn: &Connection, sha256: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM screenshots WHERE sha256 = ?1 AND png IS NULL)",
        [sha256],
        |row| row.get(0),
    )?)
}

/// Removes the file of `sha256` if no row names it any more: its bytes overwritten with
/// zeros and `fsync`ed first (as `secure_delete` does for rows), then unlinked and the
/// directory `fsync`ed. Run it on the writer (`Store::write`), after the transaction that
/// deleted the last row committed, so that no insert can name the file in between (an
/// insert's check and this removal are serialized). Whether a file was removed.
pub fn remove_if_unreferenced(conn: &Connection, data_dir: &Path, sha256: &str) -> Result<bool> {
    if !is_sha256_hex(sha256) || is_referenced(conn, sha256)? {
        return Ok(false);
    }
    let path = path_of(data_dir, sha256)?;
    remove_file_securely(&path)
}

fn remove_file_securely(path: &Path) -> Result<bool> {
    let length = match std::fs::metadata(path) {
        Ok(meta) => meta.len(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(io_error("reading", path, &error)),
    };
    let overwrite = OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|mut file| {
            let zeros = vec![0u8; 64 * 1024];
            let mut left = length;
            while left > 0 {
                let chunk = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
                file.write_all(&zeros[..chunk])?;
                left -= chunk as u64;
            }
            file.sync_all()
        });
    if let Err(error) = overwrite {
        tracing::warn!(%error, path = %path.display(), "could not overwrite an erased screenshot before removing it");
    }
    std::fs::remove_file(path).map_err(|error| io_error("removing", path, &error))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir).map_err(|error| io_error("syncing", dir, &error))?;
    }
    Ok(true)
}

/// What [`sweep`] removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Temporary files left by a crash in the middle of a write.
    pub temporary: usize,
    /// Complete files no row names (a crash between file and row, or after an erasure's
    /// commit and before its file was removed).
    pub orphans: usize,
}

/// A file found under `evidence/` and when it was last modified.
type Found = (PathBuf, SystemTime);

/// What [`unreferenced`] finds under `evidence/`.
#[derive(Default)]
struct Unreferenced {
    /// Temporary files.
    temporary: Vec<Found>,
    /// Complete files no row names, with their hashes.
    orphans: Vec<(String, Found)>,
}

fn unreferenced(conn: &Connection, data_dir: &Path) -> Result<Unreferenced> {
    let root = evidence_dir(data_dir);
    let mut found = Unreferenced::default();
    let Ok(subdirs) = std::fs::read_dir(&root) else {
        return Ok(found);
    };
    for sub in subdirs.flatten() {
        let sub_name = sub.file_name().to_string_lossy().into_owned();
        let Ok(files) = std::fs::read_dir(sub.path()) else {
            continue;
        };
        for file in files.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            let modified = file
                .metadata()
                .and_then(|meta| meta.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            if name.starts_with(TEMP_PREFIX) {
                found.temporary.push((file.path(), modified));
                continue;
            }
            let sha256 = format!("{sub_name}{name}");
            if is_sha256_hex(&sha256) && !is_referenced(conn, &sha256)? {
                found.orphans.push((sha256, (file.path(), modified)));
            }
        }
    }
    Ok(found)
}

/// The hashes of the complete files no row names (`verify` lists them; they are harmless).
pub fn orphans(conn: &Connection, data_dir: &Path) -> Result<Vec<String>> {
    Ok(unreferenced(conn, data_dir)?
        .orphans
        .into_iter()
        .map(|(sha256, _)| sha256)
        .collect())
}

/// Removes temporary files and files no row names, older than `min_age`. Run it on the
/// writer when the companion starts, before it serves (no upload of its own is in flight).
pub fn sweep(conn: &Connection, data_dir: &Path, min_age: Duration) -> Result<Swept> {
    let Unreferenced { temporary, orphans } = unreferenced(conn, data_dir)?;
    let now = SystemTime::now();
    let old = |modified: SystemTime| now.duration_since(modified).unwrap_or_default() >= min_age;
    let mut swept = Swept::default();
    for (path, modified) in temporary {
        if old(modified) && std::fs::remove_file(&path).is_ok() {
            swept.temporary += 1;
        }
    }
    for (_, (path, modified)) in orphans {
        if old(modified) && remove_file_securely(&path)? {
            swept.orphans += 1;
        }
    }
    Ok(swept)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "ab00000000000000000000000000000000000000000000000000000000000001";

    #[test]
    fn a_file_is_written_once_under_its_hash_and_rewritten_if_altered() {
        let dir = tempfile::tempdir().expect("temp dir");
        prepare_dirs(dir.path()).expect("dirs");
        store_durably(dir.path(), SHA, b"png bytes").expect("store");
        let path = path_of(dir.path(), SHA).expect("path");
        assert!(path.ends_with(
            "evidence/ab/00000000000000000000000000000000000000000000000000000000000001"
        ));
        assert_eq!(std::fs::read(&path).expect("read"), b"png bytes");
        // The same bytes again: nothing to write (dedup).
        store_durably(dir.path(), SHA, b"png bytes").expect("again");
        // An altered file (same name, other bytes) is replaced by the right ones.
        std::fs::write(&path, b"png bytez").expect("alter");
        store_durably(dir.path(), SHA, b"png bytes").expect("repair");
        assert_eq!(
            read(dir.path(), SHA).expect("read"),
            Some(b"png bytes".to_vec())
        );
        let names: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
            .expect("list")
            .flatten()
            .map(|entry| entry.file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    }

    #[test]
    fn hashes_that_are_not_lowercase_hex_name_no_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        for bad in ["../../etc/passwd", &SHA.to_uppercase(), &SHA[..63]] {
            assert!(path_of(dir.path(), bad).is_err(), "{bad}");
            assert!(store_durably(dir.path(), bad, b"x").is_err(), "{bad}");
        }
    }
}
