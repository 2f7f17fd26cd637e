//! 重复信访 — the same matter raised again, for the intake clerk: the earlier
//! petitions that may be the same matter (same petitioner, same case, very
//! similar text — in the clerk's agency and the agencies below it), linking
//! two as one matter, merging a duplicate into its original (合并办理: the
//! duplicate's clocks stop, its petitioner is told which number to follow),
//! and the refusal the regulations give for a matter raised again after its
//! re-review. The rules are `domain::duplicates`'.

use super::{App, Error, Result};
use crate::domain::duplicates::{
    Assessment, DuplicateRules, KeyKind, Refusal as RefiledRefusal, assess, case_relation,
    concluded_by_re_review, content_words, match_values_of, may_merge, similarity,
};
use crate::domain::ids::{AgencyId, PetitionId};
use crate::domain::staff::Role;
use crate::domain::workflow::{Command, Round, State};
use crate::store::duplicates::{LinkKind, NewLink};
use crate::store::petitions::Petition;
use crate::store::staff::StaffMember;
use std::collections::{BTreeSet, HashMap};

/// The keyed hash stored for one value a petition is recognised by.
fn key(app_secret: &crate::crypto::Secret, kind: KeyKind, value: &str) -> String {
    hex::encode(app_secret.keyed_hash(
        "petition-match",
        format!("{}:{value}", kind.as_str()).as_bytes(),
    ))
}

/// The keyed hashes of a petition's phone, e-mail and case number, each
/// with what it is (never the value).
pub fn keys_of(secret: &crate::crypto::Secret, p: &Petition) -> Vec<(KeyKind, String)> {
    match_values_of(
        p.anonymous,
        p.contact_email.as_deref(),
        p.contact_phone.as_deref(),
        p.related_case_number.as_deref(),
    )
    .into_iter()
    .map(|(kind, value)| (kind, key(secret, kind, &value)))
    .collect()
}

/// The keyed hashes of a new petition (filing stores them with it).
pub fn keys_of_draft(
    secret: &crate::crypto::Secret,
    draft: &crate::domain::petition::PetitionDraft,
) -> Vec<String> {
    crate::domain::duplicates::match_values(
        &draft.complainant,
        draft.related_case_number.as_deref(),
    )
    .into_iter()
    .map(|(kind, value)| key(secret, kind, &value))
    .collect()
}

/// Gives every petition its keys, once, on an installation that had none
/// (upgraded to duplicate detection, or loaded as demo data): in batches, in
/// the background; a second node doing the same at once adds nothing.
pub async fn derive_missing_keys(
    store: &crate::store::Store,
    secret: &crate::crypto::Secret,
) -> Result<usize> {
    if !store.petition_keys_missing().await? {
        return Ok(0);
    }
    let mut after = PetitionId(0);
    let mut done = 0;
    loop {
        let batch = store.petitions_for_keys(after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let keys: Vec<(PetitionId, Vec<String>)> = batch
            .iter()
            .map(|p| {
                (
                    p.id,
                    keys_of(secret, p).into_iter().map(|(_, k)| k).collect(),
                )
            })
            .collect();
        store.keep_many_petition_keys(&keys).await?;
        done += batch.len();
    }
    tracing::info!(petitions = done, "duplicate detection keys derived");
    Ok(done)
}

/// An earlier petition as the intake clerk sees it beside a new one: never
/// the identity, only the matter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Earlier {
    pub id: PetitionId,
    /// As printed (`MJ26-K3FQ9-X2MAP`).
    pub number: String,
    /// The stored form, for a link when it is the clerk's own agency's.
    pub tracking_number: String,
    pub agency_id: AgencyId,
    pub agency_zh: String,
    pub agency_en: String,
    pub own_agency: bool,
    pub title: String,
    pub status: State,
    pub round: Round,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub assessment: Assessment,
    /// Its re-review was answered: the same facts and reasons are not accepted again.
    pub concluded_by_re_review: bool,
}

/// What the clerk sees: likely the same matter, other matters of the same
/// petitioner, and the refusal to offer when the matter was re-reviewed.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Suggestions {
    pub likely: Vec<Earlier>,
    pub same_petitioner: Vec<Earlier>,
    pub refused_again: Option<RefiledRefusal>,
}

/// Who sees the suggestions: those who take intake decisions.
pub fn may_see(role: Role) -> bool {
    matches!(role, Role::IntakeClerk | Role::Supervisor)
}

fn rules() -> Result<&'static DuplicateRules> {
    DuplicateRules::shipped()
        .map_err(|e| Error::internal(anyhow::anyhow!("the duplicate rules: {e}")))
}

/// The content words of a petition's title and description.
fn words_of(p: &Petition, common: &BTreeSet<String>) -> BTreeSet<String> {
    let text = format!("{}\n{}", p.title, p.description);
    let words = crate::search::text::words(&text, false);
    content_words(words.iter().map(|w| w.text.as_str()), common)
}

/// The words that do not count: the rules' common words, and the words of
/// every agency's and place's name (every petition to a body says them).
async fn common_words(app: &App, rules: &DuplicateRules) -> Result<BTreeSet<String>> {
    let mut common = rules.similarity.common_words.clone();
    for a in app.store.agencies().await?.iter() {
        for name in [&a.name_zh, &a.region_zh] {
            common.extend(
                crate::search::text::words(name, true)
                    .into_iter()
                    .map(|w| w.text),
            );
        }
    }
    Ok(common)
}

/// The agencies whose petitions `staff` is shown as possible duplicates:
/// their own and every agency below it.
async fn tree(app: &App, staff: &StaffMember) -> Result<Vec<AgencyId>> {
    let (_, hierarchy) = super::agencies::hierarchy(app).await?;
    Ok(hierarchy.subtree(staff.agency_id))
}

/// An agency's names (zh, en).
async fn names(app: &App, id: AgencyId) -> Result<(String, String)> {
    let a = app.store.agency(id).await?;
    Ok((a.name_zh, a.name_en))
}

/// The earlier petitions that may be the same matter as `p`, for `staff`.
/// A search engine that does not answer leaves out the text comparison,
/// not the rest.
pub async fn suggestions(app: &App, staff: &StaffMember, p: &Petition) -> Result<Suggestions> {
    if !may_see(staff.role) {
        return Ok(Suggestions::default());
    }
    let rules = rules()?;
    let agencies = tree(app, staff).await?;
    // By key: the same phone or e-mail, or the same case number.
    let mine: HashMap<String, KeyKind> = keys_of(&app.secret, p)
        .into_iter()
        .map(|(kind, k)| (k, kind))
        .collect();
    // Who shares a phone or e-mail (the case numbers are compared in full below).
    let mut found: HashMap<PetitionId, bool> = HashMap::new();
    for (id, k) in app
        .store
        .petitions_sharing_keys(&mine.keys().cloned().collect::<Vec<_>>(), p.id)
        .await?
    {
        let same_petitioner = found.entry(id).or_default();
        *same_petitioner |= mine.get(&k).is_some_and(|kind| kind.is_petitioner());
    }
    // By text: the search engine proposes, the comparison decides.
    let common = common_words(app, rules).await?;
    let words = words_of(p, &common);
    let mut query: Vec<String> = words.iter().cloned().collect();
    query.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    query.truncate(rules.similarity.query_words);
    match app
        .search
        .similar_petitions(staff.id, &agencies, &query, rules.similarity.candidates + 1)
        .await
    {
        Ok(ids) => {
            for id in ids.into_iter().filter(|id| *id != p.id) {
                found.entry(id).or_default();
            }
        }
        Err(e) => tracing::warn!(error = %e, "duplicate detection without text comparison"),
    }
    let ids: Vec<PetitionId> = found.keys().copied().collect();
    let mut out = Suggestions::default();
    for other in app
        .store
        .tree_petitions(&agencies, &staff.name, &ids)
        .await?
    {
        let a = assess(
            &rules.similarity,
            found.get(&other.id).copied().unwrap_or_default(),
            case_relation(
                p.related_case_number.as_deref(),
                other.related_case_number.as_deref(),
            ),
            similarity(&words, &words_of(&other, &common)),
        );
        if !a.likely && !a.same_petitioner {
            continue;
        }
        let (agency_zh, agency_en) = names(app, other.agency_id).await?;
        let earlier = Earlier {
            agency_zh,
            agency_en,
            id: other.id,
            number: other.display_number(),
            own_agency: other.agency_id == staff.agency_id,
            agency_id: other.agency_id,
            title: other.title.clone(),
            status: other.status,
            round: other.round,
            received_at: other.received_at,
            concluded_by_re_review: concluded_by_re_review(other.round, other.status),
            tracking_number: other.tracking_number,
            assessment: a,
        };
        if earlier.assessment.likely {
            out.likely.push(earlier);
        } else {
            out.same_petitioner.push(earlier);
        }
    }
    let order = |a: &Earlier, b: &Earlier| {
        b.assessment
            .text
            .score
            .total_cmp(&a.assessment.text.score)
            .then(b.received_at.cmp(&a.received_at))
    };
    out.likely.sort_by(order);
    out.same_petitioner.sort_by(order);
    out.likely.truncate(rules.similarity.candidates);
    out.same_petitioner.truncate(rules.similarity.candidates);
    if out.likely.iter().any(|e| e.concluded_by_re_review) {
        out.refused_again = Some(rules.refiled_after_re_review.clone());
    }
    Ok(out)
}

/// The earlier petition `number` as `staff` may reach it for a link or a
/// merge: in their agency tree, not naming them.
async fn earlier(app: &App, staff: &StaffMember, number: &str) -> Result<Petition> {
    let agencies = tree(app, staff).await?;
    let stored = super::records::canonical_number(number);
    let other = app
        .store
        .petition_by_tracking_number(&stored)
        .await?
        .ok_or(Error::Invalid("error-merge-unknown"))?;
    app.store
        .tree_petitions(&agencies, &staff.name, &[other.id])
        .await?
        .into_iter()
        .next()
        .ok_or(Error::Invalid("error-merge-unknown"))
}

fn need_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        let mut e = crate::domain::FieldErrors::new();
        e.add("reason", "error-required");
        return Err(Error::Fields(e));
    }
    Ok(())
}

/// 合并办理: merges petition `tn` (new, in the caller's agency) into the
/// earlier petition `original`, which handles the matter.
pub async fn merge(
    app: &App,
    staff: &StaffMember,
    tn: &str,
    original: &str,
    reason: &str,
    expected_version: Option<i32>,
) -> Result<i32> {
    let p = super::records::visible_petition(app, staff, tn).await?;
    need_reason(reason)?;
    let other = earlier(app, staff, original).await?;
    may_merge(p.id, other.id, other.status).map_err(|r| Error::Invalid(r.message_key()))?;
    let command = Command::Merge {
        original: other.display_number(),
        reason: reason.trim().to_owned(),
    };
    super::acting::act_with_link(
        app,
        staff,
        &p,
        command,
        expected_version,
        Some(NewLink {
            kind: LinkKind::MergedInto,
            other: &other,
            reason: reason.trim(),
        }),
    )
    .await
}

/// A merge checked but not done: the petition that would end and the one
/// it would be merged into, for the page that asks before a merge (merging
/// ends a petition; it is never one tap away).
pub struct MergePreview {
    pub petition: Petition,
    pub original: Petition,
    pub original_agency: crate::store::agencies::Agency,
}

/// What [`merge`] would do, refused as it would be (no reason, an unknown
/// or unmergeable original), without doing it.
pub async fn merge_preview(
    app: &App,
    staff: &StaffMember,
    tn: &str,
    original: &str,
    reason: &str,
) -> Result<MergePreview> {
    let p = super::records::visible_petition(app, staff, tn).await?;
    need_reason(reason)?;
    let other = earlier(app, staff, original).await?;
    may_merge(p.id, other.id, other.status).map_err(|r| Error::Invalid(r.message_key()))?;
    Ok(MergePreview {
        original_agency: app.store.agency(other.agency_id).await?,
        petition: p,
        original: other,
    })
}

/// 关联: records petition `tn` (in the caller's agency) and `other` as the same matter.
pub async fn link(
    app: &App,
    staff: &StaffMember,
    tn: &str,
    other: &str,
    reason: &str,
) -> Result<()> {
    if !may_see(staff.role) {
        return Err(Error::Forbidden);
    }
    let p = super::records::visible_petition(app, staff, tn).await?;
    need_reason(reason)?;
    let other = earlier(app, staff, other).await?;
    if other.id == p.id {
        return Err(Error::Invalid("error-merge-itself"));
    }
    app.store
        .link_petitions(
            &p,
            &NewLink {
                kind: LinkKind::SameMatter,
                other: &other,
                reason: reason.trim(),
            },
            &staff.actor(),
            chrono::Utc::now(),
        )
        .await?;
    tracing::info!(petition.id = %p.id, other.id = %other.id, "linked as the same matter");
    Ok(())
}
