//! Typed columns: the domain's enums, ids and dates as sea-orm column types, so
//! an entity field is a `State`, an `AgencyId`, a [`Day`] — never a string to be
//! re-parsed with a fallback. A value in the database that is not one of ours
//! fails the read with an error naming the type, instead of becoming a default.
//!
//! The domain stays free of database types: the impls live here (they are
//! allowed anywhere in the crate that defines the types).
//!
//! Storage is unchanged by this: enums are their `as_str` text, ids integers,
//! and a [`Day`] is ISO-8601 text (`YYYY-MM-DD`) on both backends, which sorts
//! and compares as the date it is.

use chrono::NaiveDate;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryFromU64, TryGetError, TryGetable, Value};

/// A value stored as text that was not one of ours.
#[derive(Debug, thiserror::Error)]
#[error("{value:?} is not a valid {what}")]
pub struct BadText {
    what: &'static str,
    value: String,
}

/// Implements the column traits for a type stored as its text form.
macro_rules! text_column {
    ($ty:ty, $to:expr, $from:expr) => {
        impl From<$ty> for Value {
            fn from(v: $ty) -> Value {
                let to: fn(&$ty) -> String = $to;
                Value::String(Some(to(&v)))
            }
        }

        impl TryGetable for $ty {
            fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
                let text = String::try_get_by(res, idx)?;
                let from: fn(&str) -> Option<$ty> = $from;
                from(&text).ok_or_else(|| {
                    TryGetError::DbErr(DbErr::TryIntoErr {
                        from: "String",
                        into: stringify!($ty),
                        source: std::sync::Arc::new(BadText {
                            what: stringify!($ty),
                            value: text,
                        }),
                    })
                })
            }
        }

        impl ValueType for $ty {
            fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
                let text = <String as ValueType>::try_from(v)?;
                let from: fn(&str) -> Option<$ty> = $from;
                from(&text).ok_or(ValueTypeErr)
            }
            fn type_name() -> String {
                stringify!($ty).to_owned()
            }
            fn array_type() -> ArrayType {
                ArrayType::String
            }
            fn column_type() -> ColumnType {
                ColumnType::String(StringLen::None)
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                Value::String(None)
            }
        }

        impl sea_orm::IntoActiveValue<$ty> for $ty {
            fn into_active_value(self) -> sea_orm::ActiveValue<$ty> {
                sea_orm::ActiveValue::Set(self)
            }
        }
    };
}

/// Implements the column traits for an integer id.
macro_rules! id_column {
    ($ty:ident) => {
        impl From<$ty> for Value {
            fn from(v: $ty) -> Value {
                Value::Int(Some(v.0))
            }
        }

        impl TryGetable for $ty {
            fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
                i32::try_get_by(res, idx).map($ty)
            }
        }

        impl ValueType for $ty {
            fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
                <i32 as ValueType>::try_from(v).map($ty)
            }
            fn type_name() -> String {
                stringify!($ty).to_owned()
            }
            fn array_type() -> ArrayType {
                ArrayType::Int
            }
            fn column_type() -> ColumnType {
                ColumnType::Integer
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                Value::Int(None)
            }
        }

        impl sea_orm::IntoActiveValue<$ty> for $ty {
            fn into_active_value(self) -> sea_orm::ActiveValue<$ty> {
                sea_orm::ActiveValue::Set(self)
            }
        }

        impl TryFromU64 for $ty {
            fn try_from_u64(n: u64) -> Result<Self, DbErr> {
                <i32 as TryFrom<u64>>::try_from(n)
                    .map($ty)
                    .map_err(|e| DbErr::TryIntoErr {
                        from: "u64",
                        into: stringify!($ty),
                        source: std::sync::Arc::new(e),
                    })
            }
        }
    };
}

use crate::domain::agency::{AgencyLevel, AgencyType};
use crate::domain::case::{CaseStage, CaseType};
use crate::domain::clock::DeadlineStatus;
use crate::domain::events::EventKind;
use crate::domain::ids::{AgencyId, PetitionId, StaffId};
use crate::domain::petition::{PetitionCategory, PetitionKind};
use crate::domain::procedure::{Category, ProcedureStatus};
use crate::domain::staff::Role;
use crate::domain::supervision::OrderStatus;
use crate::domain::workflow::ReviewOutcome;
use crate::domain::workflow::{Rating, Round, State};

id_column!(AgencyId);
id_column!(StaffId);
id_column!(PetitionId);

text_column!(State, |v| v.as_str().to_owned(), State::parse);
text_column!(
    ReviewOutcome,
    |v| v.as_str().to_owned(),
    ReviewOutcome::parse
);
text_column!(Round, |v| v.as_str().to_owned(), Round::parse);
text_column!(Rating, |v| v.as_str().to_owned(), Rating::parse);
text_column!(PetitionKind, |v| v.as_str().to_owned(), PetitionKind::parse);
text_column!(
    crate::domain::petition::Channel,
    |v| v.as_str().to_owned(),
    crate::domain::petition::Channel::parse
);
text_column!(
    PetitionCategory,
    |v| v.as_str().to_owned(),
    PetitionCategory::parse
);
text_column!(EventKind, |v| v.as_str().to_owned(), EventKind::parse);
text_column!(
    DeadlineStatus,
    |v| v.as_str().to_owned(),
    DeadlineStatus::parse
);
text_column!(Role, |v| v.as_str().to_owned(), Role::parse);
text_column!(OrderStatus, |v| v.as_str().to_owned(), OrderStatus::parse);
text_column!(AgencyType, |v| v.as_str().to_owned(), AgencyType::parse);
text_column!(AgencyLevel, |v| v.as_str().to_owned(), AgencyLevel::parse);
text_column!(
    ProcedureStatus,
    |v| v.as_str().to_owned(),
    ProcedureStatus::parse
);
text_column!(Category, |v| v.as_str().to_owned(), Category::parse);
text_column!(CaseType, |v| v.as_str().to_owned(), CaseType::parse);
text_column!(CaseStage, |v| v.as_str().to_owned(), CaseStage::parse);

/// A calendar date (China time) in a column: ISO-8601 text on both backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub NaiveDate);

impl Day {
    /// What a row holds when no clock runs (`petitions.next_due_on`): it sorts
    /// last on both backends, where NULL would sort first on SQLite and last on PostgreSQL.
    pub const NONE: Day = match NaiveDate::from_ymd_opt(9999, 12, 31) {
        Some(d) => Day(d),
        None => Day(NaiveDate::MAX),
    };

    fn text(&self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }

    fn parse(s: &str) -> Option<Day> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(Day)
    }

    /// `None` for the no-deadline marker.
    pub fn date(self) -> Option<NaiveDate> {
        (self != Day::NONE).then_some(self.0)
    }
}

impl From<NaiveDate> for Day {
    fn from(d: NaiveDate) -> Day {
        Day(d)
    }
}

text_column!(Day, Day::text, Day::parse);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_and_the_marker_sorts_last() {
        let d = Day(NaiveDate::from_ymd_opt(2027, 2, 1).unwrap());
        assert_eq!(Day::parse(&d.text()), Some(d));
        assert_eq!(Day::NONE.text(), "9999-12-31");
        assert_eq!(Day::parse("9999-12-31"), Some(Day::NONE));
        assert!(d.text() < Day::NONE.text());
        assert_eq!(Day::parse("2026-13-01"), None);
        assert_eq!(Day::NONE.date(), None);
    }
}
