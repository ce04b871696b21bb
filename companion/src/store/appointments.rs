//! The board's appointments of a content manager, recorded from the dashboard as
//! `manager_appointed` evidence-log entries.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::evidence::{self, KIND_APPOINTMENT};
use super::sha256_hex;
use crate::store::{Error, Result};

/// Subject of every `manager_appointed` entry.
pub const SUBJECT: &str = "manager";

/// An appointment as recorded (the JSON the entry's `payload_sha256` covers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Appointment {
    /// The content manager's name.
    pub name: String,
    /// Their email address.
    pub email: String,
    /// First day of the mandate, `YYYY-MM-DD`.
    pub from: String,
    /// Last day of the mandate, `YYYY-MM-DD`.
    pub until: String,
    /// The board's resolution, if given (such as `CA-2027-014`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
}

/// A recorded appointment with its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAppointment {
    /// What the board decided.
    pub appointment: Appointment,
    /// When it was recorded (UTC).
    pub recorded_at: String,
    /// Its evidence entry.
    pub evidence_seq: i64,
}

/// Records an appointment (already validated by the caller) and its evidence entry.
pub fn record(
    tx: &Transaction<'_>,
    appointment: &Appointment,
    now: &str,
) -> Result<RecordedAppointment> {
    let json = serde_json::to_string(appointment)?;
    let entry = evidence::append(
        tx,
        now,
        KIND_APPOINTMENT,
        SUBJECT,
        &sha256_hex(json.as_bytes()),
    )?;
    tx.execute(
        "INSERT INTO appointments (recorded_at, appointment_json, evidence_seq) VALUES (?1, ?2, ?3)",
        params![now, json, entry.seq],
    )?;
    Ok(RecordedAppointment {
        appointment: appointment.clone(),
        recorded_at: now.to_owned(),
        evidence_seq: entry.seq,
    })
}

fn parse(json: &str, recorded_at: String, seq: i64) -> Result<RecordedAppointment> {
    let appointment = serde_json::from_str(json).map_err(|error| Error::Corrupted {
        subject: SUBJECT.to_owned(),
        detail: format!("stored appointment {seq} does not parse: {error}"),
    })?;
    Ok(RecordedAppointment {
        appointment,
        recorded_at,
        evidence_seq: seq,
    })
}

/// The latest recorded appointment, if any.
pub fn latest(conn: &Connection) -> Result<Option<RecordedAppointment>> {
    let row: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT appointment_json, recorded_at, evidence_seq FROM appointments
             ORDER BY evidence_seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    row.map(|(json, at, seq)| parse(&json, at, seq)).transpose()
}

/// Every recorded appointment, newest first.
pub fn list(conn: &Connection, limit: i64) -> Result<Vec<RecordedAppointment>> {
    let mut statement = conn.prepare(
        "SELECT appointment_json, recorded_at, evidence_seq FROM appointments
         ORDER BY evidence_seq DESC LIMIT ?1",
    )?;
    let rows = statement
        .query_map([limit], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(json, at, seq)| parse(&json, at, seq))
        .collect()
}
