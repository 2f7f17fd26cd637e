//! 红黑榜 — the ranking of the bodies directly below an agency (siblings of
//! one type under one parent) for a period, the last full month unless
//! asked (`domain::ranking`). Seen by those who may oversee the parent; the
//! parent's bulletin carries it.

use super::oversight::{choices, indicators, resolve};
use super::{App, Result};
use crate::domain::evaluation::{EvaluationRules, Period};
use crate::domain::ids::AgencyId;
use crate::domain::ranking::{self, Ranked};
use crate::store::agencies::Agency;
use crate::store::rollups::Scope;
use crate::store::staff::StaffMember;

/// The ranking of an agency's children.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ranking {
    pub parent: Agency,
    pub period: Period,
    pub rows: Vec<Ranked<Agency>>,
    /// Enough units were ranked for red and black lists.
    pub lists: bool,
    pub choices: Vec<Agency>,
}

pub async fn ranking(
    app: &App,
    staff: &StaffMember,
    parent: Option<AgencyId>,
    period: Period,
) -> Result<Ranking> {
    let (parent, all, h) = resolve(app, staff, parent).await?;
    let mut units = Vec::new();
    for child in all.iter().filter(|a| a.parent_id == Some(parent.id)) {
        let (values, _) = indicators(app, &Scope::Agencies(vec![child.id]), period).await?;
        units.push((child.clone(), values));
    }
    let ranked = ranking::rank(EvaluationRules::official(), units);
    Ok(Ranking {
        parent,
        period,
        rows: ranked.rows,
        lists: ranked.lists,
        choices: choices(&all, &h, staff),
    })
}

/// The same for the bulletin, counted now (no cache): the children of `parent`.
pub async fn count(
    store: &crate::store::Store,
    agencies: &[Agency],
    parent: AgencyId,
    period: Period,
) -> Result<ranking::Ranking<Agency>> {
    let mut units = Vec::new();
    for child in agencies.iter().filter(|a| a.parent_id == Some(parent)) {
        let (values, _) =
            super::oversight::count(store, &Scope::Agencies(vec![child.id]), period).await?;
        units.push((child.clone(), values));
    }
    Ok(ranking::rank(EvaluationRules::official(), units))
}

/// A body's place as the public statistics show it: its name, rank and list,
/// never its score or rates — those rest on counts the disclosure control may
/// withhold (`domain::disclosure`), and a score could give a withheld rate
/// away. Officers are never ranked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicPlace {
    pub name_zh: String,
    pub name_en: String,
    /// None when the body had too few cases to rank.
    pub rank: Option<usize>,
    pub tied: bool,
    pub standing: ranking::Standing,
}

/// The ranking the public statistics show (when the operator turns it on).
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicRanking {
    pub parent_zh: String,
    pub parent_en: String,
    pub period: String,
    pub lists: bool,
    pub rows: Vec<PublicPlace>,
}

/// The last full month's ranking of the bodies directly below `parent`, for
/// the public statistics: none unless `MINGJING_PUBLIC_RANKING` is on, and
/// none for a body with nothing below it.
pub async fn public(app: &App, parent: AgencyId) -> Result<Option<PublicRanking>> {
    if !app.public_ranking {
        return Ok(None);
    }
    let (all, _) = super::agencies::hierarchy(app).await?;
    let Some(p) = all.iter().find(|a| a.id == parent) else {
        return Ok(None);
    };
    let period = Period::last_full_month(super::today());
    let mut units = Vec::new();
    for child in all.iter().filter(|a| a.parent_id == Some(parent)) {
        let (values, _) = indicators(app, &Scope::Agencies(vec![child.id]), period).await?;
        units.push((child.clone(), values));
    }
    if units.is_empty() {
        return Ok(None);
    }
    let ranked = ranking::rank(EvaluationRules::official(), units);
    Ok(Some(PublicRanking {
        parent_zh: p.name_zh.clone(),
        parent_en: p.name_en.clone(),
        period: period.key(),
        lists: ranked.lists,
        rows: ranked
            .rows
            .into_iter()
            .map(|r| PublicPlace {
                name_zh: r.who.name_zh,
                name_en: r.who.name_en,
                rank: r.rank,
                tied: r.tied,
                standing: r.standing,
            })
            .collect(),
    }))
}
