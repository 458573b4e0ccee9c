//! Errors of the policy crate.

/// Why a policy operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A rule or policy file is not valid; the message says which field.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error("policy storage: {0}")]
    Storage(#[from] sea_orm::DbErr),
    /// casbin refused the model or the rules.
    #[error("policy engine: {0}")]
    Engine(String),
}

impl PolicyError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub(crate) fn at_line(self, line: usize) -> Self {
        match self {
            Self::Invalid(m) => Self::Invalid(format!("line {line}: {m}")),
            other => other,
        }
    }
}

impl From<casbin::Error> for PolicyError {
    fn from(err: casbin::Error) -> Self {
        Self::Engine(err.to_string())
    }
}
