//! The dashboard's report list: filters (status, category, site, reporter, received
//! dates, text) and paging, every value bound as a parameter, never interpolated.
//!
//! Every filter reads the chained records, not the mutable copies: the report JSON as
//! received, its annotations' JSON (the latest category), and the reviews' JSON (the
//! current status). Text search is a case-insensitive `LIKE` (ASCII letters only, as
//! SQLite's `LIKE` folds), with `%` and `_` in the search taken literally.

use rusqlite::Connection;
use rusqlite::types::Value;

use super::reports::{RECORD_COLUMNS, RECORD_JOINS, ReportRecord, complete, row_to_record};
use super::reviews::ReviewStatus;
use crate::store::Result;

/// What the manager filters the list by; `None` (or empty) means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    /// The current status.
    pub status: Option<ReviewStatus>,
    /// The current category code (the newest annotation's, else the report's).
    pub category: Option<String>,
    /// The report's `site`, exactly.
    pub site: Option<String>,
    /// Part of the reporter's name or email.
    pub reporter: Option<String>,
    /// Received on or after this UTC day (`YYYY-MM-DD`).
    pub received_from: Option<String>,
    /// Received on or before this UTC day (`YYYY-MM-DD`).
    pub received_to: Option<String>,
    /// Text in the title, the URL, a note (the report's, an annotation's or a review's),
    /// the reporter or the selected text.
    pub text: Option<String>,
}

/// The current status of report `r`: the one its redaction kept, else the newest chained
/// review's, else `new` (as `reviews::current_status`).
const STATUS_SQL: &str =
    "CASE WHEN EXISTS (SELECT 1 FROM report_redactions x WHERE x.report_id = r.id)
          THEN COALESCE((SELECT json_extract(x.redaction_json, '$.status') FROM report_redactions x
                         WHERE x.report_id = r.id), 'new')
          ELSE COALESCE((SELECT json_extract(v.review_json, '$.status') FROM report_reviews v
                         WHERE v.report_id = r.id ORDER BY v.evidence_seq DESC LIMIT 1), 'new')
     END";

/// The current category of report `r`: the newest annotation's, else the report's own, else
/// the one its redaction kept.
const CATEGORY_SQL: &str =
    "COALESCE((SELECT json_extract(a.annotation_json, '$.category') FROM report_annotations a
              WHERE a.report_id = r.id AND json_extract(a.annotation_json, '$.category') IS NOT NULL
              ORDER BY a.evidence_seq DESC LIMIT 1), json_extract(r.report_json, '$.category'),
              (SELECT json_extract(x.redaction_json, '$.category') FROM report_redactions x
               WHERE x.report_id = r.id))";

fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

fn nonempty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl ReportFilter {
    /// Whether any filter is set.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && [
                &self.category,
                &self.site,
                &self.reporter,
                &self.received_from,
                &self.received_to,
                &self.text,
            ]
            .into_iter()
            .all(|value| nonempty(value).is_none())
    }

    /// The `WHERE` clause (starting with ` WHERE`, or empty) and its parameters.
    fn clause(&self) -> (String, Vec<Value>) {
        let mut conditions: Vec<String> = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        let bind = |params: &mut Vec<Value>, value: String| {
            params.push(Value::Text(value));
            format!("?{}", params.len())
        };
        if let Some(status) = self.status {
            let p = bind(&mut params, status.as_str().to_owned());
            conditions.push(format!("{STATUS_SQL} = {p}"));
        }
        if let Some(category) = nonempty(&self.category) {
            let p = bind(&mut params, category.to_owned());
            conditions.push(format!("{CATEGORY_SQL} = {p}"));
        }
        if let Some(site) = nonempty(&self.site) {
            let p = bind(&mut params, site.to_owned());
            conditions.push(format!("json_extract(r.report_json, '$.site') = {p}"));
        }
        if let Some(reporter) = nonempty(&self.reporter) {
            let p = bind(&mut params, like_pattern(reporter));
            conditions.push(format!(
                "(json_extract(r.report_json, '$.reporter.name') LIKE {p} ESCAPE '\\'
                  OR json_extract(r.report_json, '$.reporter.email') LIKE {p} ESCAPE '\\')"
            ));
        }
        if let Some(from) = nonempty(&self.received_from) {
            let p = bind(&mut params, from.to_owned());
            conditions.push(format!("substr(r.received_at, 1, 10) >= {p}"));
        }
        if let Some(to) = nonempty(&self.received_to) {
            let p = bind(&mut params, to.to_owned());
            conditions.push(format!("substr(r.received_at, 1, 10) <= {p}"));
        }
        if let Some(text) = nonempty(&self.text) {
            let p = bind(&mut params, like_pattern(text));
            let fields = [
                "json_extract(r.report_json, '$.pageTitle')",
                "json_extract(r.report_json, '$.pageUrl')",
                "json_extract(r.report_json, '$.note')",
                "json_extract(r.report_json, '$.reporter.name')",
                "json_extract(r.report_json, '$.reporter.email')",
                "json_extract(r.report_json, '$.selectedText')",
            ]
            .map(|field| format!("{field} LIKE {p} ESCAPE '\\'"))
            .join(" OR ");
            conditions.push(format!(
                "({fields}
                  OR EXISTS (SELECT 1 FROM report_annotations a WHERE a.report_id = r.id
                             AND json_extract(a.annotation_json, '$.note') LIKE {p} ESCAPE '\\')
                  OR EXISTS (SELECT 1 FROM report_reviews v WHERE v.report_id = r.id
                             AND json_extract(v.review_json, '$.note') LIKE {p} ESCAPE '\\'))"
            ));
        }
        if conditions.is_empty() {
            (String::new(), params)
        } else {
            (format!(" WHERE {}", conditions.join(" AND ")), params)
        }
    }
}

/// The reports that pass `filter`, newest first, `limit` from `offset`.
pub fn list(
    conn: &Connection,
    filter: &ReportFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<ReportRecord>> {
    let (clause, mut params) = filter.clause();
    let sql = format!(
        "SELECT {RECORD_COLUMNS} {RECORD_JOINS}{clause} ORDER BY r.evidence_seq DESC LIMIT ?{} OFFSET ?{}",
        params.len() + 1,
        params.len() + 2
    );
    params.push(Value::Integer(limit));
    params.push(Value::Integer(offset));
    let mut statement = conn.prepare(&sql)?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(params), row_to_record)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|row| complete(conn, row)).collect()
}

/// How many reports pass `filter`.
pub fn count(conn: &Connection, filter: &ReportFilter) -> Result<i64> {
    let (clause, params) = filter.clause();
    Ok(conn.query_row(
        &format!("SELECT count(*) FROM reports r{clause}"),
        rusqlite::params_from_iter(params),
        |row| row.get(0),
    )?)
}

/// The sites reports came from (for the filter's choices), sorted.
pub fn sites(conn: &Connection) -> Result<Vec<String>> {
    let mut statement = conn.prepare(
        "SELECT DISTINCT chained_site FROM
             (SELECT json_extract(report_json, '$.site') AS chained_site FROM reports)
         WHERE chained_site IS NOT NULL AND chained_site != '' ORDER BY chained_site",
    )?;
    Ok(statement
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_literal() {
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn values_are_bound_not_interpolated() {
        let filter = ReportFilter {
            site: Some("x' OR 1=1 --".into()),
            text: Some("<script>".into()),
            ..ReportFilter::default()
        };
        let (clause, params) = filter.clause();
        assert!(!clause.contains("OR 1=1") && !clause.contains("<script>"));
        assert_eq!(params.len(), 2);
    }

    #[test]
    fn empty_values_filter_nothing() {
        let filter = ReportFilter {
            site: Some("  ".into()),
            ..ReportFilter::default()
        };
        assert!(filter.is_empty());
        assert_eq!(filter.clause().0, "");
    }
}
