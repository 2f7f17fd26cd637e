//! 答复意见草稿 — a draft answer the handler saves and comes back to before
//! submitting it for approval. One per petition (the one who may draft now
//! writes it; a reassigned petition keeps it for the next handler), never
//! shown to the approver: what is approved is only what was submitted
//! (`petitions.draft_text`). Submitting the draft removes the saved one in
//! the same transaction.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("saved_drafts")
                    .if_not_exists()
                    .col(integer("petition_id").primary_key())
                    .col(integer("saved_by"))
                    .col(text("text"))
                    .col(text("legal_basis"))
                    .col(string_len_null("review_outcome", 16))
                    .col(timestamp_with_time_zone("saved_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("saved_drafts").to_owned())
            .await
    }
}
