//! The typed outcome of writing one record: what a Shopify writer or a connector's push did.

use crate::model::PluginError;
use crate::store::Outcome;

/// What a write did to one record at its destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// The destination made a new object with this id.
    Created(String),
    /// The object with this id was changed.
    Updated(String),
    /// The destination already had this; nothing was written (the object's id when known).
    Unchanged(Option<String>),
    /// The flow decided not to write it, for this reason; nothing is remembered of it.
    Skipped(String),
    /// A shadow-mode flow journalled the write instead of making it.
    Shadowed,
}

impl Written {
    /// The run-log outcome.
    pub fn outcome(&self) -> Outcome {
        match self {
            Written::Created(_) => Outcome::Created,
            Written::Updated(_) => Outcome::Updated,
            Written::Unchanged(_) => Outcome::Unchanged,
            Written::Skipped(_) => Outcome::Skipped,
            Written::Shadowed => Outcome::Shadowed,
        }
    }

    /// The destination's id of the object, when the write confirmed one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Written::Created(id) | Written::Updated(id) => Some(id),
            Written::Unchanged(id) => id.as_deref(),
            Written::Skipped(_) | Written::Shadowed => None,
        }
    }

    /// What a connector's push reported, as the write's outcome: a skip keeps its reason and
    /// an unchanged object its id, so both reach the run records.
    pub fn from_pushed(pushed: crate::model::Pushed) -> Written {
        use crate::model::WriteOutcome;
        match pushed.outcome {
            WriteOutcome::Created => Written::Created(pushed.external_id),
            WriteOutcome::Updated => Written::Updated(pushed.external_id),
            WriteOutcome::Unchanged => Written::Unchanged(Some(pushed.external_id).filter(|id| !id.is_empty())),
            WriteOutcome::Skipped(reason) => Written::Skipped(reason),
        }
    }
}

/// One outcome slot per record of a write call, filled as the call goes.
pub type Slots = Vec<Option<Result<Written, PluginError>>>;

/// The outcomes of a write call. A record no step settled fails loudly (a bug in the writer),
/// never passes silently.
pub fn settled(slots: Slots) -> Vec<Result<Written, PluginError>> {
    slots
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| Err(PluginError::Permanent("the writer left this record without an outcome".into())))
        })
        .collect()
}
