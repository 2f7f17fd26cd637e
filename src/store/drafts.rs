//! 答复意见草稿 — the draft answer a handler saves before submitting it
//! (migration 24): one row per petition, written over by each save, removed
//! when the draft is submitted (`Store::apply_outcome`, same transaction).
//! The approver never reads it: only the submitted draft is approved.

use super::{Store, StoreResult};
use crate::domain::ids::{PetitionId, StaffId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

/// A saved draft as the handler gets it back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, FromQueryResult)]
pub struct SavedDraft {
    pub saved_by: i32,
    pub text: String,
    pub legal_basis: String,
    /// A review round's `upheld` or `changed`, as chosen when saved.
    pub review_outcome: Option<String>,
    pub saved_at: DateTime<Utc>,
}

fn table() -> Alias {
    Alias::new("saved_drafts")
}

/// Removes the saved draft of `petition_id` inside `conn`'s transaction.
pub(super) async fn remove<C: ConnectionTrait>(
    conn: &C,
    petition_id: PetitionId,
) -> StoreResult<()> {
    let delete = Query::delete()
        .from_table(table())
        .and_where(Expr::col(Alias::new("petition_id")).eq(petition_id.0))
        .to_owned();
    conn.execute(&delete).await?;
    Ok(())
}

impl Store {
    /// Saves (or saves over) the draft of `petition_id`; committed before it returns.
    pub async fn save_draft(
        &self,
        petition_id: PetitionId,
        by: StaffId,
        text: &str,
        legal_basis: &str,
        review_outcome: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let cols = [
            "petition_id",
            "saved_by",
            "text",
            "legal_basis",
            "review_outcome",
            "saved_at",
        ];
        let insert = Query::insert()
            .into_table(table())
            .columns(cols.map(Alias::new))
            .values_panic([
                petition_id.0.into(),
                by.0.into(),
                text.into(),
                legal_basis.into(),
                review_outcome.map(str::to_owned).into(),
                now.into(),
            ])
            .on_conflict(
                OnConflict::column(Alias::new("petition_id"))
                    .update_columns(cols[1..].iter().map(|c| Alias::new(*c)))
                    .to_owned(),
            )
            .to_owned();
        let conn = self.conn();
        conn.execute(&insert).await?;
        Ok(())
    }

    /// The saved draft of `petition_id`, if any.
    pub async fn saved_draft(&self, petition_id: PetitionId) -> StoreResult<Option<SavedDraft>> {
        let select = Query::select()
            .columns(
                [
                    "saved_by",
                    "text",
                    "legal_basis",
                    "review_outcome",
                    "saved_at",
                ]
                .map(Alias::new),
            )
            .from(table())
            .and_where(Expr::col(Alias::new("petition_id")).eq(petition_id.0))
            .to_owned();
        let conn = self.conn();
        Ok(
            SavedDraft::find_by_statement(conn.get_database_backend().build(&select))
                .one(conn)
                .await?,
        )
    }
}
