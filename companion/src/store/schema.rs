//! Schema migrations, numbered by SQLite's `user_version`.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Each entry brings the schema from version `index` to `index + 1`. Never edit a shipped one.
const MIGRATIONS: &[&str] = &[
    // 1: the evidence store.
    r"
CREATE TABLE evidence_log (
    seq            INTEGER PRIMARY KEY,
    recorded_at    TEXT NOT NULL,
    kind           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    entry_hash     TEXT NOT NULL UNIQUE
) STRICT;

CREATE TRIGGER evidence_log_no_update BEFORE UPDATE ON evidence_log
BEGIN SELECT RAISE(ABORT, 'evidence_log is append-only'); END;
CREATE TRIGGER evidence_log_no_delete BEFORE DELETE ON evidence_log
BEGIN SELECT RAISE(ABORT, 'evidence_log is append-only'); END;

CREATE TABLE reports (
    id                 TEXT PRIMARY KEY,
    received_at        TEXT NOT NULL,
    captured_at        TEXT NOT NULL,
    page_url           TEXT NOT NULL,
    page_title         TEXT NOT NULL,
    site               TEXT,
    reporter_name      TEXT NOT NULL,
    reporter_email     TEXT NOT NULL,
    category           TEXT,
    note               TEXT,
    screenshot_sha256  TEXT NOT NULL,
    report_json        TEXT NOT NULL,
    report_json_sha256 TEXT NOT NULL,
    evidence_seq       INTEGER NOT NULL UNIQUE REFERENCES evidence_log(seq)
) STRICT;

CREATE TABLE screenshots (
    report_id   TEXT PRIMARY KEY REFERENCES reports(id),
    sha256      TEXT NOT NULL,
    byte_length INTEGER NOT NULL,
    png         BLOB NOT NULL
) STRICT;

CREATE TABLE report_annotations (
    id              INTEGER PRIMARY KEY,
    report_id       TEXT NOT NULL REFERENCES reports(id),
    recorded_at     TEXT NOT NULL,
    category        TEXT,
    note            TEXT,
    annotation_json TEXT NOT NULL,
    evidence_seq    INTEGER NOT NULL UNIQUE REFERENCES evidence_log(seq)
) STRICT;
CREATE INDEX report_annotations_by_report ON report_annotations(report_id);

CREATE TABLE attestations (
    id               TEXT PRIMARY KEY,
    received_at      TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    site             TEXT NOT NULL,
    page_url         TEXT NOT NULL,
    text_sha256      TEXT NOT NULL,
    attestation_json TEXT NOT NULL,
    evidence_seq     INTEGER NOT NULL UNIQUE REFERENCES evidence_log(seq)
) STRICT;

CREATE TABLE idempotency (
    key             TEXT NOT NULL UNIQUE,
    endpoint        TEXT NOT NULL,
    request_sha256  TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body   TEXT NOT NULL,
    created_at      TEXT NOT NULL
) STRICT;

CREATE TABLE outgoing_mail (
    id              INTEGER PRIMARY KEY,
    report_id       TEXT NOT NULL UNIQUE REFERENCES reports(id),
    recipient_role  TEXT NOT NULL CHECK (recipient_role IN ('manager')),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    message_id      TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    last_error      TEXT,
    sent_at         TEXT
) STRICT;

CREATE TABLE pairing_requests (
    id                 TEXT PRIMARY KEY,
    origin             TEXT NOT NULL,
    label              TEXT NOT NULL,
    browser            TEXT NOT NULL,
    code               TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    expires_at_unix    INTEGER NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_at         TEXT,
    token_delivered_at TEXT
) STRICT;

CREATE TABLE paired_clients (
    origin     TEXT PRIMARY KEY,
    label      TEXT NOT NULL,
    browser    TEXT NOT NULL,
    paired_at  TEXT NOT NULL,
    request_id TEXT NOT NULL REFERENCES pairing_requests(id)
) STRICT;
",
    // 2: email forwarding (a queue with retries, follow-ups and forwards to the board),
    // forwards and imports as evidence.
    r"
ALTER TABLE reports ADD COLUMN source TEXT NOT NULL DEFAULT 'extension'
    CHECK (source IN ('extension', 'import'));

CREATE TABLE report_forwards (
    id           INTEGER PRIMARY KEY,
    report_id    TEXT NOT NULL REFERENCES reports(id),
    recipient    TEXT NOT NULL CHECK (recipient IN ('board')),
    recorded_at  TEXT NOT NULL,
    forward_json TEXT NOT NULL,
    evidence_seq INTEGER NOT NULL UNIQUE REFERENCES evidence_log(seq)
) STRICT;
CREATE INDEX report_forwards_by_report ON report_forwards(report_id);

CREATE TABLE report_exports (
    id           INTEGER PRIMARY KEY,
    report_id    TEXT NOT NULL REFERENCES reports(id),
    recorded_at  TEXT NOT NULL,
    export_json  TEXT NOT NULL,
    evidence_seq INTEGER NOT NULL UNIQUE REFERENCES evidence_log(seq)
) STRICT;

CREATE TABLE imports (
    report_id        TEXT PRIMARY KEY REFERENCES reports(id),
    imported_at      TEXT NOT NULL,
    package_sha256   TEXT NOT NULL,
    sender_head_seq  INTEGER,
    sender_head_hash TEXT,
    evidence_seq     INTEGER NOT NULL UNIQUE REFERENCES evidence_log(seq)
) STRICT;

-- One row per email to send. `kind`: the report itself, a follow-up for a later
-- annotation (threaded with In-Reply-To), or a forward to the board. The recipient's
-- address is resolved from the settings when it is sent (`sent_to` records it).
CREATE TABLE mail_queue (
    id              INTEGER PRIMARY KEY,
    report_id       TEXT NOT NULL REFERENCES reports(id),
    kind            TEXT NOT NULL CHECK (kind IN ('report', 'follow_up', 'forward')),
    recipient_role  TEXT NOT NULL CHECK (recipient_role IN ('manager', 'board')),
    about_seq       INTEGER REFERENCES evidence_log(seq),
    message_id      TEXT NOT NULL UNIQUE,
    in_reply_to     TEXT,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    created_at      TEXT NOT NULL,
    not_before_ms   INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    last_error      TEXT,
    included_seq    INTEGER,
    sent_at         TEXT,
    sent_to         TEXT,
    smtp_reply      TEXT
) STRICT;
CREATE INDEX mail_queue_due ON mail_queue(status, not_before_ms);
CREATE INDEX mail_queue_by_report ON mail_queue(report_id);

INSERT INTO mail_queue (report_id, kind, recipient_role, message_id, status, created_at,
                        not_before_ms, attempts, last_attempt_at, last_error, sent_at)
SELECT report_id, 'report', recipient_role, message_id,
       CASE status WHEN 'pending' THEN 'queued' ELSE status END,
       created_at, 0, attempts, last_attempt_at, last_error, sent_at
FROM outgoing_mail;
DROP TABLE outgoing_mail;
",
    // 3: dashboard sign-in (one-time links and sessions, stored as SHA-256 only) and a
    // token of its own for each paired browser, with its last use and revocation.
    r"
CREATE TABLE signin_links (
    code_sha256     TEXT PRIMARY KEY,
    created_at      TEXT NOT NULL,
    expires_at_unix INTEGER NOT NULL,
    used_at         TEXT
) STRICT;

CREATE TABLE dashboard_sessions (
    id_sha256       TEXT PRIMARY KEY,
    created_at      TEXT NOT NULL,
    expires_at_unix INTEGER NOT NULL
) STRICT;

-- The browser's own token, kept only until the request expires (it is handed out on
-- polls until then), then erased.
ALTER TABLE pairing_requests ADD COLUMN token TEXT;
-- NULL for a browser paired before per-browser tokens: it uses the shared API token.
ALTER TABLE paired_clients ADD COLUMN token_sha256 TEXT;
ALTER TABLE paired_clients ADD COLUMN last_used_at TEXT;
ALTER TABLE paired_clients ADD COLUMN revoked_at TEXT;
CREATE UNIQUE INDEX paired_clients_by_token ON paired_clients(token_sha256);
",
    // 4: privacy (redactions), the manager's appointments and the policy in force, each
    // row recorded by an evidence-log entry.
    r"
-- A report whose content and screenshot were removed: `redaction_json` keeps the SHA-256
-- of every record removed (the report JSON, its annotations and forwards) and of the
-- screenshot, the reason and who or what redacted it.
CREATE TABLE report_redactions (
    id             INTEGER PRIMARY KEY,
    report_id      TEXT NOT NULL UNIQUE REFERENCES reports(id),
    recorded_at    TEXT NOT NULL,
    redacted_by    TEXT NOT NULL CHECK (redacted_by IN ('manager', 'retention')),
    redaction_json TEXT NOT NULL,
    evidence_seq   INTEGER NOT NULL UNIQUE REFERENCES evidence_log(seq)
) STRICT;

-- The board's appointment of a content manager, as recorded from the dashboard (what is
-- shown is read from `appointment_json`, the chained record).
CREATE TABLE appointments (
    id               INTEGER PRIMARY KEY,
    recorded_at      TEXT NOT NULL,
    appointment_json TEXT NOT NULL,
    evidence_seq     INTEGER NOT NULL UNIQUE REFERENCES evidence_log(seq)
) STRICT;

-- `policy_json` is the effective policy as JSON; its SHA-256 is the entry's payload.
CREATE TABLE policy_changes (
    id           INTEGER PRIMARY KEY,
    recorded_at  TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('policy.toml', 'built-in')),
    policy_json  TEXT NOT NULL,
    evidence_seq INTEGER NOT NULL UNIQUE REFERENCES evidence_log(seq)
) STRICT;
",
    // 5: the manager's triage of reports (each status change chained, with its note) and
    // traces recorded by hand (an optional PNG or JPEG screenshot each).
    r"
CREATE TABLE report_reviews (
    id           INTEGER PRIMARY KEY,
    report_id    TEXT NOT NULL REFERENCES reports(id),
    status       TEXT NOT NULL
        CHECK (status IN ('under_review', 'forwarded', 'dismissed', 'resolved')),
    note         TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    review_json  TEXT NOT NULL,
    evidence_seq INTEGER NOT NULL UNIQUE REFERENCES evidence_log(seq)
) STRICT;
CREATE INDEX report_reviews_by_report ON report_reviews(report_id, evidence_seq);

CREATE TABLE traces (
    id                TEXT PRIMARY KEY,
    recorded_at       TEXT NOT NULL,
    occurred_at       TEXT NOT NULL,
    site              TEXT NOT NULL,
    page_url          TEXT,
    body              TEXT NOT NULL,
    screenshot_sha256 TEXT,
    trace_json        TEXT NOT NULL,
    evidence_seq      INTEGER NOT NULL UNIQUE REFERENCES evidence_log(seq)
) STRICT;

CREATE TABLE trace_screenshots (
    trace_id    TEXT PRIMARY KEY REFERENCES traces(id),
    media_type  TEXT NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg')),
    sha256      TEXT NOT NULL,
    byte_length INTEGER NOT NULL,
    bytes       BLOB NOT NULL
) STRICT;
",
    // 6: report screenshots leave the database: a row whose `png` is NULL names the file
    // `evidence/<sha256[..2]>/<sha256[2..]>` (module `screenshot_files`); rows stored before
    // keep their bytes in `png` and are read from there. One transaction: an interrupted
    // migration leaves the old table as it was.
    r"
CREATE TABLE screenshots_v6 (
    report_id   TEXT PRIMARY KEY REFERENCES reports(id),
    sha256      TEXT NOT NULL,
    byte_length INTEGER NOT NULL,
    png         BLOB
) STRICT;
INSERT INTO screenshots_v6 (report_id, sha256, byte_length, png)
    SELECT report_id, sha256, byte_length, png FROM screenshots;
DROP TABLE screenshots;
ALTER TABLE screenshots_v6 RENAME TO screenshots;
CREATE INDEX screenshots_by_sha256 ON screenshots(sha256);
",
];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Applies the missing migrations, each in its own `BEGIN IMMEDIATE` transaction.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let sqlite = |source| StoreError::Sqlite {
        path: path.to_owned(),
        source,
    };
    let mut version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(sqlite)?;
    if version > LATEST {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: version,
            known: LATEST,
        });
    }
    while version < LATEST {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite)?;
        let index = usize::try_from(version).unwrap_or(usize::MAX);
        if let Some(sql) = MIGRATIONS.get(index) {
            tx.execute_batch(sql).map_err(sqlite)?;
        }
        version += 1;
        tx.pragma_update(None, "user_version", version)
            .map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
        tracing::info!(version, "database schema migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_database_keeps_its_waiting_email_through_the_upgrade() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(super::super::DB_FILE);
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(MIGRATIONS[0]).expect("version 1");
            conn.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO evidence_log VALUES (1, '2026-11-28T00:00:00.000000Z', 'report_received', 'r1', 'p', 'g', 'h');
                 INSERT INTO reports (id, received_at, captured_at, page_url, page_title, reporter_name,
                                      reporter_email, screenshot_sha256, report_json, report_json_sha256, evidence_seq)
                 VALUES ('r1', 't', 't', 'https://x.com/', '', 'n', 'e@x.org', 's', '{}', 'p', 1);
                 INSERT INTO outgoing_mail (report_id, recipient_role, status, message_id, created_at)
                 VALUES ('r1', 'manager', 'pending', '<report-r1@balise.local>', 't');",
            )
            .expect("a version 1 report with its pending email");
        }
        let mut conn = Connection::open(&path).expect("reopen");
        migrate(&mut conn, &path).expect("migrate");
        let (kind, role, status, message_id, source): (String, String, String, String, String) =
            conn.query_row(
                "SELECT m.kind, m.recipient_role, m.status, m.message_id, r.source
                 FROM mail_queue m JOIN reports r ON r.id = m.report_id",
                [],
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                },
            )
            .expect("the migrated email");
        assert_eq!(
            (
                kind.as_str(),
                role.as_str(),
                status.as_str(),
                message_id.as_str(),
                source.as_str()
            ),
            (
                "report",
                "manager",
                "queued",
                "<report-r1@balise.local>",
                "extension"
            )
        );
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version");
        assert_eq!(version, LATEST);
    }

    #[test]
    fn a_version_5_screenshot_blob_is_kept_read_and_verified_after_the_upgrade() {
        use super::super::{Store, reports, screenshot_files, sha256_hex};
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\na screenshot from before files";
        let sha = sha256_hex(PNG);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(super::super::DB_FILE);
        {
            let conn = Connection::open(&path).expect("open");
            for sql in &MIGRATIONS[..5] {
                conn.execute_batch(sql).expect("an older version");
            }
            conn.execute_batch("PRAGMA user_version = 5;")
                .expect("version 5");
            conn.execute(
                "INSERT INTO evidence_log VALUES (1, 't', 'report_received', 'r1', 'p', 'g', 'h')",
                [],
            )
            .expect("entry");
            conn.execute(
                "INSERT INTO reports (id, received_at, captured_at, page_url, page_title, reporter_name,
                                      reporter_email, screenshot_sha256, report_json, report_json_sha256, evidence_seq)
                 VALUES ('r1', 't', 't', 'https://x.com/', '', 'n', 'e@x.org', ?1, ?2, 'p', 1)",
                [&sha, &format!(r#"{{"screenshotSha256":"{sha}"}}"#)],
            )
            .expect("a version 5 report");
            conn.execute(
                "INSERT INTO screenshots (report_id, sha256, byte_length, png) VALUES ('r1', ?1, ?2, ?3)",
                rusqlite::params![sha, PNG.len() as i64, PNG],
            )
            .expect("its screenshot as a BLOB");
        }
        let store = Store::open(dir.path()).expect("open and migrate");
        store.close().expect("close");
        let conn = Connection::open(&path).expect("reopen");
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version");
        assert_eq!(version, LATEST);
        // Read from the row, verified against the chained report; no file was made for it.
        let shot = reports::screenshot(&conn, "r1").expect("the old screenshot");
        assert_eq!(
            (shot.png.as_slice(), shot.sha256.as_str()),
            (PNG, sha.as_str())
        );
        assert!(
            !screenshot_files::path_of(dir.path(), &sha)
                .expect("path")
                .exists()
        );
        assert_eq!(reports::screenshot_problems(&conn).expect("check"), []);
    }
}
