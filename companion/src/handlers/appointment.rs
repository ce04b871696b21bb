//! The content manager's appointment: who is in office (from the policy, or from the board's
//! latest appointment recorded here if newer), the warning before and after it ends, and
//! `/appointment`, where the manager records the board's new appointment as evidence.

use std::fmt::Write;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use balise_core::policy::Policy;
use balise_core::validate::{is_date, is_email};
use serde::Deserialize;
use time::Date;

use super::{PageForm, page_form};
use crate::error::Result;
use crate::html::{Nav, bi, display_time, escape, page, pick};
use crate::state::AppState;
use crate::store::appointments::{self, Appointment, RecordedAppointment};

/// How many days before the end of a mandate the dashboard starts warning.
pub const WARN_DAYS: i64 = 30;

/// The appointment in force and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentAppointment {
    /// Name, email and dates.
    pub appointment: Appointment,
    /// The recorded appointment it comes from; `None`: from the policy's `[manager]`.
    pub recorded: Option<(i64, String)>,
}

/// The policy's `[manager]`, or the latest recorded appointment when it starts on the same
/// day or later.
pub fn current(policy: &Policy, latest: Option<RecordedAppointment>) -> CurrentAppointment {
    let from_policy = Appointment {
        name: policy.manager.name.clone(),
        email: policy.manager.email.clone(),
        from: policy.manager.mandate_start.clone(),
        until: policy.manager.mandate_end.clone(),
        resolution: None,
    };
    match latest {
        Some(recorded) if recorded.appointment.from >= from_policy.from => CurrentAppointment {
            appointment: recorded.appointment,
            recorded: Some((recorded.evidence_seq, recorded.recorded_at)),
        },
        _ => CurrentAppointment {
            appointment: from_policy,
            recorded: None,
        },
    }
}

/// Where a mandate stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MandateState {
    /// More than [`WARN_DAYS`] left.
    InForce,
    /// Ends within [`WARN_DAYS`] days (0: today is the last day).
    EndingSoon {
        /// Days left after today.
        days_left: i64,
    },
    /// Ended that many days ago.
    Ended {
        /// Days since the last day.
        days_ago: i64,
    },
    /// The date does not parse (the policy is validated, so only a damaged record).
    Unknown,
}

fn parse_date(value: &str) -> Option<Date> {
    Date::parse(
        value,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// Where a mandate ending on `until` stands on `today`.
pub fn state_on(until: &str, today: Date) -> MandateState {
    let Some(end) = parse_date(until) else {
        return MandateState::Unknown;
    };
    let days_left = (end - today).whole_days();
    if days_left < 0 {
        MandateState::Ended {
            days_ago: -days_left,
        }
    } else if days_left <= WARN_DAYS {
        MandateState::EndingSoon { days_left }
    } else {
        MandateState::InForce
    }
}

/// Today (UTC).
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// The dashboard's card: who, since when, until when, and the warning when due.
pub fn card(current: &CurrentAppointment, today: Date) -> String {
    let a = &current.appointment;
    let state = state_on(&a.until, today);
    let (class, data) = match state {
        MandateState::InForce => ("", "in-force"),
        MandateState::EndingSoon { .. } => (" warn", "ending-soon"),
        MandateState::Ended { .. } | MandateState::Unknown => (" bad", "ended"),
    };
    let source = match &current.recorded {
        None => bi(
            "selon la politique (policy.toml)",
            "from the policy (policy.toml)",
        ),
        Some((seq, _)) => format!(
            "{} #{seq}{}",
            bi(
                "nomination du conseil inscrite au journal, entrée",
                "board appointment recorded in the log, entry"
            ),
            a.resolution
                .as_deref()
                .map(|r| format!(" · {}", escape(r)))
                .unwrap_or_default()
        ),
    };
    let mut html = format!(
        "<section class=\"appointment\" data-mandate=\"{data}\"><div class=\"card{class}\">\
         <div class=\"label\">{label}</div><div class=\"value\">{name}</div>\
         <div class=\"small\">{email} · {appointed} {from} · {until_label} {until}</div>\
         <div class=\"small en\">{source}</div>",
        label = bi("Personne gestionnaire de contenu", "Content manager"),
        name = escape(&a.name),
        email = escape(&a.email),
        appointed = bi("nommée le", "appointed on"),
        from = escape(&a.from),
        until_label = bi("jusqu'au", "until"),
        until = escape(&a.until),
    );
    let what_to_do = bi(
        "Le conseil d'administration nomme une personne gestionnaire de contenu chaque année : inscrivez sa nouvelle nomination ici.",
        "The board appoints a content manager every year: record its new appointment here.",
    );
    match state {
        MandateState::InForce => {}
        MandateState::EndingSoon { days_left } => {
            let _ = write!(
                html,
                "<p class=\"notice warn\" data-mandate-warning>{} {} <a href=\"/appointment\">{}</a></p>",
                bi(
                    &format!(
                        "Le mandat se termine dans {days_left} jour(s), le {}.",
                        a.until
                    ),
                    &format!("The mandate ends in {days_left} day(s), on {}.", a.until)
                ),
                what_to_do,
                bi("Inscrire la nomination", "Record the appointment"),
            );
        }
        MandateState::Ended { days_ago } => {
            let _ = write!(
                html,
                "<p class=\"notice bad\" data-mandate-warning>{} {} <a href=\"/appointment\">{}</a></p>",
                bi(
                    &format!(
                        "Le mandat a pris fin le {} (il y a {days_ago} jour(s)) : personne n'est nommé pour la période actuelle.",
                        a.until
                    ),
                    &format!(
                        "The mandate ended on {} ({days_ago} day(s) ago): nobody is appointed for the current period.",
                        a.until
                    )
                ),
                what_to_do,
                bi("Inscrire la nomination", "Record the appointment"),
            );
        }
        MandateState::Unknown => {
            let _ = write!(
                html,
                "<p class=\"notice bad\" data-mandate-warning>{}</p>",
                bi(
                    "La date de fin du mandat est illisible.",
                    "The mandate's end date does not read."
                )
            );
        }
    }
    let _ = write!(
        html,
        "<div class=\"small\"><a href=\"/appointment\">{}</a></div></div></section>",
        bi("Nominations", "Appointments")
    );
    html
}

/// Query of `GET /appointment`.
#[derive(Debug, Deserialize)]
pub struct AppointmentQuery {
    /// `recorded` after a recording.
    pub done: Option<String>,
}

/// The appointment form.
#[derive(Debug, Default, Deserialize)]
pub struct AppointmentForm {
    /// CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Email.
    #[serde(default)]
    pub email: String,
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// Last day, `YYYY-MM-DD`.
    #[serde(default)]
    pub until: String,
    /// The board's resolution, optional.
    #[serde(default)]
    pub resolution: String,
}

impl PageForm for AppointmentForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Checks a form: the appointment, or every problem (in the page's language).
pub fn validate(form: &AppointmentForm) -> std::result::Result<Appointment, Vec<String>> {
    let mut problems = Vec::new();
    let name = form.name.trim();
    let email = form.email.trim();
    let from = form.from.trim();
    let until = form.until.trim();
    let resolution = form.resolution.trim();
    if name.is_empty() {
        problems.push(pick("Le nom est obligatoire.", "The name is required.").to_owned());
    } else if name.chars().count() > 200 {
        problems.push(
            pick(
                "Le nom dépasse 200 caractères.",
                "The name exceeds 200 characters.",
            )
            .to_owned(),
        );
    }
    if !is_email(email) {
        problems.push(match crate::lang::current() {
            crate::lang::Lang::Fr => format!("« {email} » n'est pas une adresse courriel."),
            crate::lang::Lang::En => format!("\"{email}\" is not an email address."),
        });
    }
    let from_ok = is_date(from);
    let until_ok = is_date(until);
    if !from_ok {
        problems.push(
            pick(
                "La date de début doit être une date AAAA-MM-JJ.",
                "The start date must be a YYYY-MM-DD date.",
            )
            .to_owned(),
        );
    }
    if !until_ok {
        problems.push(
            pick(
                "La date de fin doit être une date AAAA-MM-JJ.",
                "The end date must be a YYYY-MM-DD date.",
            )
            .to_owned(),
        );
    }
    if from_ok && until_ok && until <= from {
        problems.push(match crate::lang::current() {
            crate::lang::Lang::Fr => {
                format!("La fin du mandat ({until}) doit venir après son début ({from}).")
            }
            crate::lang::Lang::En => {
                format!("The mandate's end ({until}) must come after its start ({from}).")
            }
        });
    }
    if resolution.chars().count() > 200 {
        problems.push(
            pick(
                "La référence de la résolution dépasse 200 caractères.",
                "The resolution reference exceeds 200 characters.",
            )
            .to_owned(),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Appointment {
        name: name.to_owned(),
        email: email.to_owned(),
        from: from.to_owned(),
        until: until.to_owned(),
        resolution: (!resolution.is_empty()).then(|| resolution.to_owned()),
    })
}

struct Data {
    current: CurrentAppointment,
    history: Vec<RecordedAppointment>,
}

async fn load(state: &AppState) -> Result<Data> {
    let policy = state.policy().clone();
    state
        .store()
        .read(move |tx| {
            Ok(Data {
                current: current(&policy, appointments::latest(tx)?),
                history: appointments::list(tx, 50)?,
            })
        })
        .await
}

/// `GET /appointment`
pub async fn show(
    State(state): State<AppState>,
    query: Result<Query<AppointmentQuery>, QueryRejection>,
) -> Result<Response> {
    let done = query.ok().and_then(|Query(q)| q.done);
    let data = load(&state).await?;
    let notice = (done.as_deref() == Some("recorded")).then(|| {
        bi(
            "Nomination inscrite au journal de preuves.",
            "Appointment recorded in the evidence log.",
        )
    });
    Ok(render(
        &state,
        &data,
        notice,
        &[],
        &AppointmentForm::default(),
    ))
}

/// `POST /appointment` → 303 to `/appointment?done=recorded`, or the form again (422) with
/// what to fix.
pub async fn record(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<AppointmentForm>, FormRejection>,
) -> Result<Response> {
    let form = page_form(&state, &headers, form)?;
    match validate(&form) {
        Ok(appointment) => {
            let recorded = state
                .store()
                .write(move |tx| appointments::record(tx, &appointment, &crate::store::now_utc()))
                .await?;
            tracing::info!(
                seq = recorded.evidence_seq,
                "the board's appointment of a content manager recorded"
            );
            Ok(Redirect::to("/appointment?done=recorded").into_response())
        }
        Err(problems) => {
            let data = load(&state).await?;
            let mut response = render(&state, &data, None, &problems, &form);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}

fn render(
    state: &AppState,
    data: &Data,
    notice: Option<String>,
    problems: &[String],
    form: &AppointmentForm,
) -> Response {
    let mut html = String::new();
    let _ = write!(
        html,
        "<p class=\"small\"><a href=\"/\">← {}</a></p><h1>{}</h1><p class=\"lead\">{}</p>",
        bi("Tableau de bord", "Dashboard"),
        bi(
            "Nomination de la personne gestionnaire de contenu",
            "The content manager's appointment"
        ),
        bi(
            "Le conseil d'administration nomme chaque année la personne gestionnaire de contenu. Chaque nomination inscrite ici devient une entrée du journal de preuves.",
            "Every year the board appoints the content manager. Each appointment recorded here becomes an entry of the evidence log."
        )
    );
    if let Some(notice) = notice {
        let _ = write!(html, "<p class=\"notice\" role=\"status\">{notice}</p>");
    }
    html.push_str(&card(&data.current, today()));
    if !problems.is_empty() {
        let _ = write!(
            html,
            "<div class=\"notice bad\" role=\"alert\" data-problems=\"{}\"><strong>{}</strong><ul>",
            problems.len(),
            bi("À corriger :", "To fix:")
        );
        for problem in problems {
            let _ = write!(html, "<li>{}</li>", escape(problem));
        }
        html.push_str("</ul></div>");
    }
    let _ = write!(
        html,
        "<h2>{title}</h2><form class=\"stack\" method=\"post\" action=\"/appointment\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"name\">{name_label}</label><input id=\"name\" name=\"name\" type=\"text\" required maxlength=\"200\" value=\"{name}\">\
         <label for=\"email\">{email_label}</label><input id=\"email\" name=\"email\" type=\"email\" required value=\"{email}\">\
         <label for=\"from\">{from_label}</label><input id=\"from\" name=\"from\" type=\"date\" required value=\"{from}\">\
         <label for=\"until\">{until_label}</label><input id=\"until\" name=\"until\" type=\"date\" required value=\"{until}\">\
         <label for=\"resolution\">{resolution_label}</label><input id=\"resolution\" name=\"resolution\" type=\"text\" maxlength=\"200\" value=\"{resolution}\">\
         <div><button class=\"approve\" type=\"submit\">{submit}</button></div></form>",
        title = bi(
            "Inscrire une nouvelle nomination",
            "Record a new appointment"
        ),
        csrf = escape(state.csrf()),
        name_label = bi("Nom", "Name"),
        name = escape(&form.name),
        email_label = bi("Adresse courriel", "Email address"),
        email = escape(&form.email),
        from_label = bi("Nommée à partir du", "Appointed from"),
        from = escape(&form.from),
        until_label = bi("Jusqu'au (inclus)", "Until (inclusive)"),
        until = escape(&form.until),
        resolution_label = bi(
            "Résolution du conseil (facultatif)",
            "Board resolution (optional)"
        ),
        resolution = escape(&form.resolution),
        submit = bi("Inscrire la nomination", "Record the appointment"),
    );
    let _ = write!(
        html,
        "<h2>{}</h2>",
        bi("Nominations inscrites", "Recorded appointments")
    );
    if data.history.is_empty() {
        let _ = write!(
            html,
            "<div class=\"empty\">{}</div>",
            bi(
                "Aucune nomination inscrite : la politique (policy.toml) fait foi.",
                "No appointment recorded: the policy (policy.toml) applies."
            )
        );
    } else {
        let _ = write!(
            html,
            "<div class=\"table-wrap\"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            bi("Inscrite", "Recorded"),
            bi("Nom", "Name"),
            bi("Mandat", "Mandate"),
            bi("Résolution", "Resolution"),
            bi("Preuve", "Evidence"),
        );
        for recorded in &data.history {
            let a = &recorded.appointment;
            let _ = write!(
                html,
                "<tr data-appointment-seq=\"{seq}\"><td class=\"small nowrap\">{at}</td><td>{name}<div class=\"small en\">{email}</div></td>\
                 <td class=\"small\">{from} → {until}</td><td class=\"small\">{resolution}</td><td class=\"small\">#{seq}</td></tr>",
                seq = recorded.evidence_seq,
                at = escape(&display_time(&recorded.recorded_at)),
                name = escape(&a.name),
                email = escape(&a.email),
                from = escape(&a.from),
                until = escape(&a.until),
                resolution = escape(a.resolution.as_deref().unwrap_or("—")),
            );
        }
        html.push_str("</tbody></table></div>");
    }
    page(pick("Nomination", "Appointment"), Nav::Dashboard, &html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(value: &str) -> Date {
        parse_date(value).expect("date")
    }

    #[test]
    fn the_warning_starts_30_days_before_the_end_and_stays_after() {
        assert_eq!(
            state_on("2027-06-30", day("2027-05-30")),
            MandateState::InForce
        );
        assert_eq!(
            state_on("2027-06-30", day("2027-05-31")),
            MandateState::EndingSoon { days_left: 30 }
        );
        assert_eq!(
            state_on("2027-06-30", day("2027-06-30")),
            MandateState::EndingSoon { days_left: 0 }
        );
        assert_eq!(
            state_on("2027-06-30", day("2027-07-02")),
            MandateState::Ended { days_ago: 2 }
        );
    }

    #[test]
    fn a_recorded_appointment_wins_when_it_is_not_older_than_the_policy() {
        let policy = Policy::sec_csq_default();
        let recorded = |from: &str| RecordedAppointment {
            appointment: Appointment {
                name: "Nouvelle".into(),
                email: "n@example.org".into(),
                from: from.into(),
                until: "2099-01-01".into(),
                resolution: None,
            },
            recorded_at: "2026-12-01T00:00:00.000000Z".into(),
            evidence_seq: 4,
        };
        let newer = current(&policy, Some(recorded("2099-01-01")));
        assert_eq!(newer.appointment.name, "Nouvelle");
        let older = current(&policy, Some(recorded("1999-01-01")));
        assert_eq!(older.appointment.name, policy.manager.name);
        assert!(older.recorded.is_none());
    }

    #[test]
    fn dates_are_checked_and_the_end_comes_after_the_start() {
        let form = |from: &str, until: &str| AppointmentForm {
            name: "Julie Gagnon".into(),
            email: "julie@example.org".into(),
            from: from.into(),
            until: until.into(),
            ..AppointmentForm::default()
        };
        assert!(validate(&form("2027-07-01", "2028-06-30")).is_ok());
        let problems = validate(&form("2027-07-01", "2027-07-01")).expect_err("same day");
        assert!(
            problems[0].contains("doit venir après son début"),
            "{problems:?}"
        );
        let problems = validate(&form("2027-02-30", "2028-06-30")).expect_err("bad date");
        assert!(problems[0].contains("date de début"), "{problems:?}");
        let mut bad = form("2027-07-01", "2028-06-30");
        bad.name = " ".into();
        bad.email = "nobody".into();
        assert_eq!(validate(&bad).expect_err("two problems").len(), 2);
    }
}
