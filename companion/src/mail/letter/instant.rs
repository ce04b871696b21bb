//! Instants as people in Quebec read them: Eastern time with its offset, UTC beside it.

/// An instant as people in Quebec read it, with UTC beside it.
pub fn display_instant(stamp: &str) -> (String, String) {
    let utc = crate::html::display_time(stamp);
    match eastern(stamp) {
        Some((date, offset)) => (
            format!("{date} (heure de l'Est, UTC{offset}) — {utc}"),
            format!("{date} (Eastern time, UTC{offset}) — {utc}"),
        ),
        None => (utc.clone(), utc),
    }
}

/// North American Eastern time (the Quebec offset): UTC−5, or UTC−4 from the second Sunday
/// of March 2:00 to the first Sunday of November 2:00 local.
fn eastern(stamp: &str) -> Option<(String, &'static str)> {
    use time::format_description::well_known::Rfc3339;
    let at = time::OffsetDateTime::parse(stamp, &Rfc3339).ok()?;
    let at = at.to_offset(time::UtcOffset::UTC);
    let year = at.year();
    let nth_sunday = |month: time::Month, n: u8| -> Option<time::Date> {
        let first = time::Date::from_calendar_date(year, month, 1).ok()?;
        let to_sunday = (7 - first.weekday().number_days_from_sunday()) % 7;
        first.checked_add(time::Duration::days(
            i64::from(to_sunday) + 7 * i64::from(n - 1),
        ))
    };
    // 2:00 local standard time is 7:00 UTC in March; 2:00 daylight time is 6:00 UTC in November.
    let dst_start = nth_sunday(time::Month::March, 2)?
        .with_hms(7, 0, 0)
        .ok()?
        .assume_utc();
    let dst_end = nth_sunday(time::Month::November, 1)?
        .with_hms(6, 0, 0)
        .ok()?
        .assume_utc();
    let (hours, label) = if at >= dst_start && at < dst_end {
        (-4, "−4")
    } else {
        (-5, "−5")
    };
    let local = at.to_offset(time::UtcOffset::from_hms(hours, 0, 0).ok()?);
    let text = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    );
    Some((text, label))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eastern_time_follows_daylight_saving() {
        assert_eq!(
            eastern("2026-12-03T14:05:12.000000Z"),
            Some(("2026-12-03 09:05".into(), "−5"))
        );
        assert_eq!(
            eastern("2026-07-01T14:05:12.000Z"),
            Some(("2026-07-01 10:05".into(), "−4"))
        );
        // 2026: daylight time from 8 March 07:00 UTC to 1 November 06:00 UTC.
        assert_eq!(eastern("2026-03-08T06:59:00Z").map(|e| e.1), Some("−5"));
        assert_eq!(eastern("2026-03-08T07:00:00Z").map(|e| e.1), Some("−4"));
        assert_eq!(eastern("2026-11-01T05:59:00Z").map(|e| e.1), Some("−4"));
        assert_eq!(eastern("2026-11-01T06:00:00Z").map(|e| e.1), Some("−5"));
        assert_eq!(eastern("not a time"), None);
    }
}
