//! Captcha challenges live in the database so any app node can check them.

use super::entities::captcha;
use super::{Store, StoreResult};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    Statement,
};

/// What a consumed challenge leaves to compare the answers with.
pub struct ConsumedCaptcha {
    pub answer_hash: String,
    pub question_answer_hash: String,
}

pub struct NewCaptcha<'a> {
    pub id: &'a str,
    pub form: &'a str,
    pub answer_hash: String,
    pub question_answer_hash: String,
    pub question_zh: &'a str,
    pub question_en: &'a str,
    pub image_png: Vec<u8>,
    pub expires_at_ms: i64,
}

impl Store {
    pub async fn insert_captcha(&self, new: NewCaptcha<'_>, now_ms: i64) -> StoreResult<()> {
        // Expired challenges are cleared as new ones are made.
        captcha::Entity::delete_many()
            .filter(captcha::Column::ExpiresAtMs.lt(now_ms))
            .exec(self.conn())
            .await?;
        captcha::ActiveModel {
            id: Set(new.id.to_owned()),
            form: Set(new.form.to_owned()),
            answer_hash: Set(new.answer_hash),
            question_answer_hash: Set(new.question_answer_hash),
            question_zh: Set(new.question_zh.to_owned()),
            question_en: Set(new.question_en.to_owned()),
            image_png: Set(new.image_png),
            expires_at_ms: Set(new.expires_at_ms),
            used: Set(false),
        }
        .insert(self.conn())
        .await?;
        Ok(())
    }

    /// The image of a live, unused challenge.
    pub async fn captcha_image(&self, id: &str, now_ms: i64) -> StoreResult<Option<Vec<u8>>> {
        Ok(captcha::Entity::find_by_id(id.to_owned())
            .filter(captcha::Column::Used.eq(false))
            .filter(captcha::Column::ExpiresAtMs.gt(now_ms))
            .one(self.conn())
            .await?
            .map(|c| c.image_png))
    }

    pub async fn captcha_questions(&self, id: &str) -> StoreResult<Option<(String, String)>> {
        Ok(captcha::Entity::find_by_id(id.to_owned())
            .one(self.conn())
            .await?
            .map(|c| (c.question_zh, c.question_en)))
    }

    /// Marks the challenge used and returns its answers, if it was live, unused
    /// and made for `form`. One attempt per challenge, right or wrong.
    pub async fn consume_captcha(
        &self,
        id: &str,
        form: &str,
        now_ms: i64,
    ) -> StoreResult<Option<ConsumedCaptcha>> {
        let backend = self.conn().get_database_backend();
        let sql = match backend {
            sea_orm::DatabaseBackend::Postgres => {
                "UPDATE captchas SET used = TRUE WHERE id = $1 AND form = $2 AND used = FALSE AND expires_at_ms > $3 RETURNING answer_hash, question_answer_hash"
            }
            _ => {
                "UPDATE captchas SET used = 1 WHERE id = ?1 AND form = ?2 AND used = 0 AND expires_at_ms > ?3 RETURNING answer_hash, question_answer_hash"
            }
        };
        let row = self
            .conn()
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [id.into(), form.into(), now_ms.into()],
            ))
            .await?;
        Ok(match row {
            Some(r) => Some(ConsumedCaptcha {
                answer_hash: r.try_get("", "answer_hash")?,
                question_answer_hash: r.try_get("", "question_answer_hash")?,
            }),
            None => None,
        })
    }
}
