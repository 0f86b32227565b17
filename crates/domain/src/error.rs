//! The one error vocabulary of Newsdesk. Every layer speaks it; the API crate is
//! the only place that turns a [`ErrorKind`] into an HTTP status or a GraphQL code.

use std::fmt;

/// What went wrong, in terms a client can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    BadInput,
    NotFound,
    Unauthenticated,
    Forbidden,
    Conflict,
    /// A write made from a version that is no longer current.
    PreconditionFailed,
    RateLimited,
    /// The server cannot take this now (a full buffer); retrying shortly will work.
    Unavailable,
    /// What the request refers to existed once and cannot be answered any more
    /// (a sync token older than the sync history): the client starts over.
    Gone,
    Internal,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::BadInput,
        ErrorKind::NotFound,
        ErrorKind::Unauthenticated,
        ErrorKind::Forbidden,
        ErrorKind::Conflict,
        ErrorKind::PreconditionFailed,
        ErrorKind::RateLimited,
        ErrorKind::Unavailable,
        ErrorKind::Gone,
        ErrorKind::Internal,
    ];
}

/// One offending input field, named as the client spelled it
/// (`limit`, `body[3].items[0].url`, `publishedAfter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// A domain error: a kind, a message safe to show to clients, and the fields at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub detail: String,
    pub fields: Vec<FieldError>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self { kind, detail: detail.into(), fields: Vec::new() }
    }

    /// A single bad field; the detail repeats the field's message.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = FieldError::new(field, message);
        Self { kind: ErrorKind::BadInput, detail: format!("`{}`: {}", field.field, field.message), fields: vec![field] }
    }

    /// Several bad fields at once, so a client can fix them all in one go.
    pub fn fields(fields: Vec<FieldError>) -> Self {
        let detail = match fields.as_slice() {
            [one] => format!("`{}`: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self { kind: ErrorKind::BadInput, detail, fields }
    }

    pub fn not_found(what: impl fmt::Display) -> Self {
        Self::new(ErrorKind::NotFound, format!("{what} was not found"))
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, detail)
    }

    /// An internal failure. The cause is logged here; clients only see a generic detail.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(ErrorKind::Internal, "an internal error occurred")
    }

    /// An internal failure whose detail is meant for the operator (start-up, CLI),
    /// never built from a client's request.
    pub fn operator(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, detail)
    }

    /// Name a field at fault (a conflict on a slug, say).
    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.fields.push(FieldError::new(field, message));
        self
    }

    /// The same error with the field `from` called `to`: the services name their
    /// parameters as REST does (`cursor`, `q`), and a client that calls one
    /// otherwise (GraphQL's `after`) sees its own name.
    pub fn renamed(mut self, from: &str, to: &str) -> Self {
        for f in &mut self.fields {
            if f.field == from {
                f.field = to.to_owned();
            }
        }
        self
    }

    /// Prefix every field name with `prefix` (used for nested input such as `body[2]`).
    pub fn nested(mut self, prefix: &str) -> Self {
        for f in &mut self.fields {
            f.field = if f.field.is_empty() { prefix.to_owned() } else { format!("{prefix}.{}", f.field) };
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for Error {}

/// Collects field errors while validating a whole input, instead of stopping at the first.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn check<T>(&mut self, result: Result<T>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.extend(e.fields);
                None
            }
        }
    }

    /// Check free text: at most `max` bytes, and no control characters but tabs
    /// and line breaks (PostgreSQL cannot store NUL, and no client wants the rest).
    pub fn text(&mut self, field: impl Into<String>, text: &str, max: usize) {
        if text.len() > max {
            self.push(field, format!("must be at most {max} bytes"));
        } else if let Some(c) = text.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
            self.push(field, format!("must not contain control characters (found U+{:04X})", u32::from(c)));
        }
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() { Ok(()) } else { Err(Error::fields(self.errors)) }
    }
}
