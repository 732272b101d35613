//! Workload files: TOML or JSON by extension, read with the place of an error named, and
//! written back in either format.

use super::catalogue::named;
use super::schema::*;

/// `line 4, column 8, field `keys`: ` — the field named by the last `key =` (TOML) or
/// `"key":` (JSON) before the place on its line, if there is one.
fn place(line: usize, column: usize, prefix: &str) -> String {
    let field = prefix
        .rfind(['=', ':'])
        .map(|i| prefix[..i].trim_end())
        .and_then(|key| {
            let key = key.trim_end_matches('"');
            let start = key
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            (!key[start..].is_empty()).then(|| format!(", field `{}`", &key[start..]))
        })
        .unwrap_or_default();
    format!("line {line}, column {column}{field}: ")
}

/// The formats a workload file may be in, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.toml`.
    Toml,
    /// `.json`.
    Json,
}

impl Format {
    /// The format of `path`, by its extension.
    pub fn of(path: &std::path::Path) -> Result<Format, WorkloadError> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => Ok(Format::Toml),
            Some("json") => Ok(Format::Json),
            _ => Err(WorkloadError(format!(
                "workload file {}: the name must end in .toml or .json",
                path.display()
            ))),
        }
    }
}

impl Workload {
    /// Reads one workload from `text` in `format`, and validates it; `origin` names where it
    /// came from in errors (the file's path). Every error names the field and the problem.
    pub fn parse(text: &str, format: Format, origin: &str) -> Result<Workload, WorkloadError> {
        // One line: where, which field, then what (toml's own message draws the place in
        // ASCII art, and neither parser names the field of a value of the wrong type).
        let parsed: Result<Workload, String> = match format {
            Format::Toml => toml::from_str(text).map_err(|e| {
                let at = e.span().map_or(String::new(), |span| {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let start = before.rfind('\n').map_or(0, |i| i + 1);
                    place(line, before.len() - start + 1, &before[start..])
                });
                format!("{at}{}", e.message().replace('\n', " "))
            }),
            Format::Json => serde_json::from_str(text).map_err(|e| {
                let prefix = text
                    .lines()
                    .nth(e.line().saturating_sub(1))
                    .map_or("", |l| &l[..e.column().min(l.len())]);
                let message = e.to_string();
                let what = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m);
                format!("{}{what}", place(e.line(), e.column(), prefix))
            }),
        };
        let mut w = parsed
            .map_err(|e| WorkloadError(format!("workload file {origin}: {}", e.trim_end())))?;
        let missing = |field: &str| {
            Err(WorkloadError(format!(
                "workload file {origin}: `{field}` is missing"
            )))
        };
        if w.name.is_empty() {
            return missing("name");
        }
        if w.service.is_empty() {
            return missing("service");
        }
        if w.groups.is_empty() {
            return missing("groups");
        }
        if !w
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || !w.name.starts_with(|c: char| c.is_ascii_lowercase())
        {
            return Err(WorkloadError(format!(
                "workload file {origin}: `name` {:?} must be snake_case (a-z, 0-9, _), starting \
                 with a letter",
                w.name
            )));
        }
        if named().iter().any(|b| b.name == w.name) {
            return Err(WorkloadError(format!(
                "workload file {origin}: `name` {:?} is a built-in workload's; give yours its own",
                w.name
            )));
        }
        if w.about.is_empty() {
            w.about = format!("from {origin}");
        }
        w.validate()
            .map_err(|e| WorkloadError(format!("workload file {origin}: {}", e.0)))?;
        Ok(w)
    }

    /// Reads and validates the workload in the file at `path` (`.toml` or `.json`).
    pub fn from_file(path: &std::path::Path) -> Result<Workload, WorkloadError> {
        let format = Format::of(path)?;
        let text = std::fs::read_to_string(path).map_err(|e| {
            WorkloadError(format!(
                "workload file {}: cannot read it: {e}",
                path.display()
            ))
        })?;
        Workload::parse(&text, format, &path.display().to_string())
    }

    /// The workload as a file in `format`, as [`Workload::parse`] reads it back.
    pub fn to_text(&self, format: Format) -> String {
        match format {
            Format::Toml => toml::to_string(self)
                .unwrap_or_else(|e| unreachable!("a workload always serialises to TOML: {e}")),
            Format::Json => serde_json::to_string_pretty(self)
                .unwrap_or_else(|e| unreachable!("a workload always serialises: {e}")),
        }
    }
}
