//! Traces: interactions the manager records by hand (what was said, where, when), each with
//! an optional PNG or JPEG screenshot, chained in the evidence log.
//!
//! The chained record is `trace_json` (its SHA-256 is the entry's `payload_sha256`); it
//! names the screenshot's SHA-256, media type and length, so the screenshot's bytes are
//! checked against the chain on every read, not only against their own columns. Pages
//! read a trace from its JSON; the other columns are copies that `verify` compares.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::{evidence, sha256_hex};
use crate::store::{Error, Result};

/// The `format` of a trace's JSON.
pub const TRACE_FORMAT: &str = "balise-trace-v1";

/// An image type a trace's screenshot may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageType {
    /// PNG.
    #[serde(rename = "image/png")]
    Png,
    /// JPEG.
    #[serde(rename = "image/jpeg")]
    Jpeg,
}

impl ImageType {
    /// The media type.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ImageType::Png => "png",
            ImageType::Jpeg => "jpg",
        }
    }
}

/// A trace's screenshot as its JSON names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TraceScreenshotRef {
    /// SHA-256 of the bytes (lowercase hex).
    pub sha256: String,
    /// PNG or JPEG.
    pub media_type: ImageType,
    /// Length in bytes.
    pub byte_length: u64,
}

/// The JSON a trace records (and its evidence entry hashes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TraceJson {
    /// [`TRACE_FORMAT`].
    pub format: String,
    /// The trace's id (a UUID).
    pub id: String,
    /// What happened, in the manager's words.
    pub text: String,
    /// Where: a network or site.
    pub site: String,
    /// The page, if any (http or https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When it happened, as the manager entered it (local time, `YYYY-MM-DDTHH:MM`).
    pub occurred_at: String,
    /// When it was recorded (UTC).
    pub recorded_at: String,
    /// The screenshot, if one was uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<TraceScreenshotRef>,
}

/// A trace to record (checked by the handler).
#[derive(Debug, Clone)]
pub struct NewTrace {
    /// What happened.
    pub text: String,
    /// Where.
    pub site: String,
    /// The page, if any.
    pub url: Option<String>,
    /// When it happened.
    pub occurred_at: String,
    /// The screenshot's bytes and type, if any.
    pub screenshot: Option<(Vec<u8>, ImageType)>,
}

/// A stored trace, read from its chained JSON.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceRecord {
    /// The chained JSON, parsed.
    pub trace: TraceJson,
    /// Evidence-log sequence number.
    pub evidence_seq: i64,
    /// Evidence-log entry hash.
    pub entry_hash: String,
}

/// Records a trace, its screenshot and its evidence entry in the caller's transaction.
pub fn insert(tx: &Transaction<'_>, id: &str, new: &NewTrace, now: &str) -> Result<TraceRecord> {
    let screenshot = match &new.screenshot {
        Some((bytes, media_type)) => Some(TraceScreenshotRef {
            sha256: sha256_hex(bytes),
            media_type: *media_type,
            byte_length: u64::try_from(bytes.len()).map_err(Error::other)?,
        }),
        None => None,
    };
    let trace = TraceJson {
        format: TRACE_FORMAT.to_owned(),
        id: id.to_owned(),
        text: new.text.clone(),
        site: new.site.clone(),
        url: new.url.clone(),
        occurred_at: new.occurred_at.clone(),
        recorded_at: now.to_owned(),
        screenshot,
    };
    let json = serde_json::to_string(&trace)?;
    let entry = evidence::append(
        tx,
        now,
        evidence::KIND_TRACE,
        id,
        &sha256_hex(json.as_bytes()),
    )?;
    tx.execute(
        "INSERT INTO traces (id, recorded_at, occurred_at, site, page_url, body, screenshot_sha256,
                             trace_json, evidence_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            now,
            trace.occurred_at,
            trace.site,
            trace.url,
            trace.text,
            trace.screenshot.as_ref().map(|s| s.sha256.as_str()),
            json,
            entry.seq
        ],
    )?;
    if let (Some((bytes, media_type)), Some(reference)) = (&new.screenshot, &trace.screenshot) {
        tx.execute(
            "INSERT INTO trace_screenshots (trace_id, media_type, sha256, byte_length, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id,
                media_type.as_str(),
                reference.sha256,
                i64::try_from(bytes.len()).map_err(Error::other)?,
                bytes
            ],
        )?;
    }
    Ok(TraceRecord {
        trace,
        evidence_seq: entry.seq,
        entry_hash: entry.entry_hash,
    })
}

fn parse(id: &str, json: &str) -> Result<TraceJson> {
    serde_json::from_str(json).map_err(|error| Error::Corrupted {
        subject: id.to_owned(),
        detail: format!("stored trace JSON does not parse: {error}"),
    })
}

const COLUMNS: &str = "t.id, t.trace_json, t.evidence_seq, e.entry_hash
     FROM traces t JOIN evidence_log e ON e.seq = t.evidence_seq";

fn to_record(
    (id, json, evidence_seq, entry_hash): (String, String, i64, String),
) -> Result<TraceRecord> {
    Ok(TraceRecord {
        trace: parse(&id, &json)?,
        evidence_seq,
        entry_hash,
    })
}

fn row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, i64, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

/// One trace, if it exists.
pub fn get(conn: &Connection, id: &str) -> Result<Option<TraceRecord>> {
    conn.query_row(&format!("SELECT {COLUMNS} WHERE t.id = ?1"), [id], row)
        .optional()?
        .map(to_record)
        .transpose()
}

/// Traces, newest first.
pub fn list(conn: &Connection, limit: i64, offset: i64) -> Result<Vec<TraceRecord>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} ORDER BY t.evidence_seq DESC LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = statement
        .query_map([limit, offset], row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(to_record).collect()
}

/// Number of traces.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM traces", [], |row| row.get(0))?)
}

/// A trace screenshot whose bytes were just checked against the chained trace.
#[derive(Debug, Clone)]
pub struct VerifiedImage {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// PNG or JPEG.
    pub media_type: ImageType,
    /// Their SHA-256.
    pub sha256: String,
}

/// Reads a trace's screenshot and re-verifies it: [`Error::NotFound`] if the trace has
/// none, [`Error::Corrupted`] if its bytes do not hash to the SHA-256 the chained trace JSON
/// names (or to its own columns), its length or type differ, or it is missing.
pub fn screenshot(conn: &Connection, trace_id: &str) -> Result<VerifiedImage> {
    let json: String = conn
        .query_row(
            "SELECT trace_json FROM traces WHERE id = ?1",
            [trace_id],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::not_found("trace"))?;
    let corrupted = |detail: String| Error::Corrupted {
        subject: trace_id.to_owned(),
        detail,
    };
    let trace = parse(trace_id, &json)?;
    /// Media type, SHA-256 and length columns, bytes, and the trace row's SHA-256 copy.
    type Stored = (String, String, i64, Vec<u8>, Option<String>);
    let stored: Option<Stored> = conn
        .query_row(
            "SELECT s.media_type, s.sha256, s.byte_length, s.bytes, t.screenshot_sha256
             FROM trace_screenshots s JOIN traces t ON t.id = s.trace_id WHERE s.trace_id = ?1",
            [trace_id],
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
        .optional()?;
    let (reference, (media_type, stored_sha, byte_length, bytes, trace_sha)) =
        match (trace.screenshot, stored) {
            (None, None) => return Err(Error::not_found("capture de la trace / trace screenshot")),
            (None, Some(_)) => {
                return Err(corrupted(
                    "a screenshot is stored, but the chained trace has none".to_owned(),
                ));
            }
            (Some(_), None) => return Err(corrupted("the screenshot is missing".to_owned())),
            (Some(reference), Some(stored)) => (reference, stored),
        };
    let actual = sha256_hex(&bytes);
    if actual != reference.sha256 {
        return Err(corrupted(format!(
            "screenshot SHA-256 is {actual}, but the chained trace names {}",
            reference.sha256
        )));
    }
    if actual != stored_sha || trace_sha.as_deref() != Some(actual.as_str()) {
        return Err(corrupted(format!(
            "screenshot SHA-256 is {actual}, stored {stored_sha} and {}",
            trace_sha.unwrap_or_default()
        )));
    }
    if u64::try_from(bytes.len()).ok() != Some(reference.byte_length)
        || i64::try_from(bytes.len()).ok() != Some(byte_length)
    {
        return Err(corrupted(format!(
            "screenshot is {} bytes, the chained trace says {}",
            bytes.len(),
            reference.byte_length
        )));
    }
    if media_type != reference.media_type.as_str() {
        return Err(corrupted(format!(
            "screenshot is stored as {media_type}, the chained trace says {}",
            reference.media_type.as_str()
        )));
    }
    Ok(VerifiedImage {
        bytes,
        media_type: reference.media_type,
        sha256: actual,
    })
}

/// Every trace whose screenshot fails [`screenshot`], with why. Returns the problems and
/// how many trace screenshots were checked.
pub fn screenshot_problems(conn: &Connection) -> Result<(Vec<(String, String)>, i64)> {
    let ids: Vec<String> = conn
        .prepare(
            "SELECT id FROM traces
             WHERE screenshot_sha256 IS NOT NULL
                OR json_extract(trace_json, '$.screenshot') IS NOT NULL
                OR id IN (SELECT trace_id FROM trace_screenshots)
             ORDER BY evidence_seq",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let checked = i64::try_from(ids.len()).unwrap_or(i64::MAX);
    let mut problems = Vec::new();
    for id in ids {
        match screenshot(conn, &id) {
            Ok(_) => {}
            Err(Error::Corrupted { detail, .. }) => problems.push((id, detail)),
            Err(Error::NotFound { .. }) => {
                problems.push((id, "the screenshot is missing".to_owned()))
            }
            Err(other) => return Err(other),
        }
    }
    Ok((problems, checked))
}

/// For `verify`: the trace row an entry records, with what is wrong with its copies of the
/// chained JSON, if anything.
pub fn row_problem(
    conn: &Connection,
    seq: i64,
) -> Result<Option<(String, String, Option<String>)>> {
    type Row = (
        String,
        String,
        String,
        String,
        Option<String>,
        String,
        Option<String>,
    );
    let row: Option<Row> = conn
        .query_row(
            "SELECT id, trace_json, occurred_at, site, page_url, body, screenshot_sha256
             FROM traces WHERE evidence_seq = ?1",
            [seq],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                ))
            },
        )
        .optional()?;
    Ok(row.map(|(id, json, occurred_at, site, url, body, sha)| {
        let problem = match serde_json::from_str::<TraceJson>(&json) {
            Err(_) => Some("the trace JSON does not parse".to_owned()),
            Ok(trace)
                if trace.id != id
                    || trace.occurred_at != occurred_at
                    || trace.site != site
                    || trace.url != url
                    || trace.text != body
                    || trace.screenshot.as_ref().map(|s| s.sha256.as_str()) != sha.as_deref() =>
            {
                Some("the trace row's columns differ from its chained JSON".to_owned())
            }
            Ok(_) => None,
        };
        (id, json, problem)
    }))
}
