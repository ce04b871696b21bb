//! The report list's query: its filters and page as the URL carries them, and back.

use balise_core::report::ReportCategory;
use serde::Deserialize;

use crate::store::report_filter::ReportFilter;
use crate::store::reviews::ReviewStatus;

/// Query of `GET /`: the report list's filters and page, as the filter form sends them
/// (empty fields mean "any"; values that do not parse are ignored, and said so).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DashboardQuery {
    /// How many reports to skip.
    pub offset: Option<String>,
    /// Current status (`new`, `under_review`, …).
    pub status: Option<String>,
    /// Current category code.
    pub category: Option<String>,
    /// Site, exactly.
    pub site: Option<String>,
    /// Part of the reporter's name or email.
    pub reporter: Option<String>,
    /// Received from this day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Received until this day (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// Text search.
    pub q: Option<String>,
}

fn filled(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl DashboardQuery {
    /// The store's filter, and the names of the parameters that were ignored.
    pub fn filter(&self) -> (ReportFilter, Vec<&'static str>) {
        let mut ignored = Vec::new();
        let status = filled(&self.status).and_then(|name| {
            let status = ReviewStatus::parse(&name);
            if status.is_none() {
                ignored.push("status");
            }
            status
        });
        let category = filled(&self.category).filter(|code| {
            let known = ReportCategory::ALL.iter().any(|c| c.as_str() == code);
            if !known {
                ignored.push("category");
            }
            known
        });
        let mut date = |value: &Option<String>, name: &'static str| {
            filled(value).filter(|day| {
                let ok = balise_core::validate::is_date(day);
                if !ok {
                    ignored.push(name);
                }
                ok
            })
        };
        let received_from = date(&self.from, "from");
        let received_to = date(&self.to, "to");
        (
            ReportFilter {
                status,
                category,
                site: filled(&self.site),
                reporter: filled(&self.reporter),
                received_from,
                received_to,
                text: filled(&self.q),
            },
            ignored,
        )
    }

    /// The page's first report.
    pub fn offset(&self) -> i64 {
        filled(&self.offset)
            .and_then(|o| o.parse::<i64>().ok())
            .unwrap_or(0)
            .max(0)
    }
}

/// The query string (without `?`) of the list with `filter` at `offset`.
pub fn list_query(filter: &ReportFilter, offset: i64) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let pairs = [
        ("status", filter.status.map(|s| s.as_str().to_owned())),
        ("category", filter.category.clone()),
        ("site", filter.site.clone()),
        ("reporter", filter.reporter.clone()),
        ("from", filter.received_from.clone()),
        ("to", filter.received_to.clone()),
        ("q", filter.text.clone()),
    ];
    for (name, value) in pairs {
        if let Some(value) = value {
            query.append_pair(name, &value);
        }
    }
    if offset > 0 {
        query.append_pair("offset", &offset.to_string());
    }
    query.finish()
}
