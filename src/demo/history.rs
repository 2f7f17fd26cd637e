//! A year of demo handling, so that every figure of the oversight console, the
//! evaluation and the bulletins shows something real: petitions filed month
//! by month at the demo agencies and handled through the real workflow
//! (`app::acting::act_at`) on the days they were handled — some in time and
//! some late, some extended, some drafts returned, reviews that uphold or
//! change the answer, ratings, urgings. Deterministic: the same seed and the
//! same day give the same history.
//!
//! Demo petitions have no access code (nobody looks them up); the demo's own
//! filings are made on the site.

use super::matters::{Matter, matters};
use crate::app::acting::{act_at, petitioner_act_at};
use crate::domain::agency::AgencyLevel;
use crate::domain::clock::{ClockRules, ClockStart, deadlines_starting};
use crate::domain::codes::TrackingNumber;
use crate::domain::events::Escalation;
use crate::domain::petition::{
    AgencyChoice, Complainant, PetitionCategory, PetitionDraft, PetitionKind,
};
use crate::domain::staff::Role;
use crate::domain::workflow::ReviewOutcome;
use crate::domain::workflow::{Command, Rating, State};
use crate::store::Store;
use crate::store::agencies::Agency;
use crate::store::petitions::NewPetition;
use crate::store::staff::StaffMember;
use anyhow::Context;
use chrono::{DateTime, Days, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What the history holds.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub petitions: usize,
    pub acts: usize,
}

/// 10:00 China time on `day`, `minute` minutes later: the acts of a day keep their order.
fn at(day: NaiveDate, minute: u32) -> DateTime<Utc> {
    day.and_hms_opt(2, 0, 0)
        .map(|t| t.and_utc() + chrono::Duration::minutes(i64::from(minute)))
        .unwrap_or_else(Utc::now)
}

struct Desk {
    clerk: StaffMember,
    handler: StaffMember,
    supervisor: StaffMember,
}

async fn desk(store: &Store, agency: &Agency) -> anyhow::Result<Option<Desk>> {
    let first = |role| async move {
        Ok::<_, anyhow::Error>(
            store
                .agency_staff(agency.id, role)
                .await?
                .into_iter()
                .next(),
        )
    };
    Ok(
        match (
            first(Role::IntakeClerk).await?,
            first(Role::Handler).await?,
            first(Role::Supervisor).await?,
        ) {
            (Some(clerk), Some(handler), Some(supervisor)) => Some(Desk {
                clerk,
                handler,
                supervisor,
            }),
            _ => None,
        },
    )
}

/// One petition's life, as far as `today` allows.
struct Life<'a> {
    store: &'a Store,
    today: NaiveDate,
    acts: usize,
    minute: u32,
}

impl Life<'_> {
    /// Acts on `day` if it is not after today; false when the history stops there.
    async fn act(
        &mut self,
        staff: &StaffMember,
        tn: &str,
        day: NaiveDate,
        command: Command,
    ) -> anyhow::Result<bool> {
        if day > self.today {
            return Ok(false);
        }
        self.minute += 1;
        act_at(
            self.store,
            staff,
            tn,
            command,
            None,
            at(day, self.minute),
            false,
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo history: {e:?}"))?;
        self.acts += 1;
        Ok(true)
    }

    async fn petitioner(
        &mut self,
        tn: &str,
        day: NaiveDate,
        command: Command,
    ) -> anyhow::Result<bool> {
        if day > self.today {
            return Ok(false);
        }
        self.minute += 1;
        let p = self
            .store
            .petition_by_tracking_number(tn)
            .await?
            .context("demo petition vanished")?;
        petitioner_act_at(self.store, &p, command, at(day, self.minute))
            .await
            .map_err(|e| anyhow::anyhow!("demo history: {e:?}"))?;
        self.acts += 1;
        Ok(true)
    }

    /// 催办: every open deadline of the petition past its last day by `day` is urged the day after.
    async fn urge_late(&mut self, tn: &str, day: NaiveDate) -> anyhow::Result<()> {
        let Some(p) = self.store.petition_by_tracking_number(tn).await? else {
            return Ok(());
        };
        for d in self.store.petition_deadlines(p.id).await? {
            let urged = d.due_on + Days::new(1);
            if d.status == crate::domain::clock::DeadlineStatus::Open
                && urged <= day
                && urged <= self.today
            {
                self.store
                    .record_escalation(p.id, Escalation::Urge, &d.clock, d.due_on, at(urged, 0))
                    .await?;
                self.acts += 1;
            }
        }
        Ok(())
    }
}

/// Files and handles demo petitions over the `months` before `today`.
pub async fn seed(store: &Store, today: NaiveDate, months: u32) -> anyhow::Result<Summary> {
    let mut rng = StdRng::seed_from_u64(20_261_201);
    let agencies = store.agencies().await?;
    let calendar = store.calendar().await?;
    let mut summary = Summary::default();
    let start = today
        .checked_sub_months(chrono::Months::new(months))
        .unwrap_or(today);
    let mut day = start;
    let mut n = 0usize;
    while day < today {
        // Most petitions reach the counties, fewer the cities, few the province.
        for agency in agencies.iter() {
            let chance = match agency.level {
                AgencyLevel::County => 0.05,
                AgencyLevel::City => 0.025,
                AgencyLevel::Province => 0.012,
            };
            if !rng.random_bool(chance) {
                continue;
            }
            let Some(desk) = desk(store, agency).await? else {
                continue;
            };
            n += 1;
            let kind = match rng.random_range(0..10) {
                0..=4 => PetitionKind::Complaint,
                5..=7 => PetitionKind::Report,
                _ => PetitionKind::Litigation,
            };
            let category = PetitionCategory::ALL[rng.random_range(0..PetitionCategory::ALL.len())];
            let list = matters(agency.agency_type);
            let matter = &list[rng.random_range(0..list.len())];
            let filing = Filing {
                agency,
                kind,
                category,
                matter,
                n,
                day,
            };
            let Some(tn) = file(store, &calendar, filing, &mut rng).await? else {
                continue;
            };
            summary.petitions += 1;
            let mut life = Life {
                store,
                today,
                acts: 0,
                minute: 0,
            };
            handle(&mut life, &mut rng, &desk, agency, &tn, day, kind, matter).await?;
            // Reviews one level up, for a few answered petitions.
            summary.acts += life.acts;
        }
        day = day + Days::new(1);
    }
    // A backlog, as every real installation has one: at two county bodies a
    // matter received 40 days ago that nobody took up (never accepted, its
    // acceptance clock long past), for the leader's console to find and to
    // order cleared (督办积案). The sweep urges it once, as any overdue clock.
    let counties = agencies
        .iter()
        .filter(|a| a.level == AgencyLevel::County)
        .take(2);
    for agency in counties {
        n += 1;
        let list = matters(agency.agency_type);
        let filing = Filing {
            agency,
            kind: PetitionKind::Complaint,
            category: PetitionCategory::ALL[0],
            matter: &list[0],
            n,
            day: today - Days::new(40),
        };
        if file(store, &calendar, filing, &mut rng).await?.is_some() {
            summary.petitions += 1;
        }
    }
    Ok(summary)
}

/// What a demo petition is: where, what, and the day it came in.
struct Filing<'a> {
    agency: &'a Agency,
    kind: PetitionKind,
    category: PetitionCategory,
    matter: &'a Matter,
    /// Its number in the demo (in the title and any case number).
    n: usize,
    day: NaiveDate,
}

/// Files a demo petition as received on its day (10:00 China time); its
/// tracking number, or none if that number was taken.
async fn file(
    store: &Store,
    calendar: &crate::domain::calendar::Calendar,
    f: Filing<'_>,
    rng: &mut StdRng,
) -> anyhow::Result<Option<String>> {
    let Filing {
        agency,
        kind,
        category,
        matter,
        n,
        day,
    } = f;
    let rules = ClockRules::official();
    let title = matter.title;
    let draft = PetitionDraft {
        kind,
        agency: AgencyChoice::Chosen(agency.id),
        category,
        subject: matter.subject.to_owned(),
        title: format!("{title}（示例{n}）"),
        description: format!(
            "{title}。本人已多次反映，希望依法处理并书面答复。（演示数据，非真实事项）"
        ),
        desired_outcome: "依法处理并书面答复".to_owned(),
        related_case_number: (kind == PetitionKind::Litigation)
            .then(|| format!("（2026）江{:04}执{}号", agency.id.0, n)),
        complainant: Complainant::Named {
            name: "演示信访人".to_owned(),
            email: None,
            phone: None,
        },
        notify: crate::domain::petition::Notify::Mail,
    };
    let received_at = at(day, 0);
    let deadlines = deadlines_starting(
        rules,
        calendar,
        ClockStart::Received,
        kind.as_str(),
        agency.agency_type.as_str(),
        day,
    );
    let tn = TrackingNumber::generate(chrono::Datelike::year(&day), rng);
    let created = store
        .create_petition(NewPetition {
            draft: &draft,
            agency_id: agency.id,
            tracking_number: tn.as_str(),
            access_code_hash: String::new(),
            lang: "zh-CN",
            status: State::Received,
            quarantine_reason: None,
            received_at,
            deadlines: &deadlines,
            files: &[],
            via_partner: None,
            channel: crate::domain::petition::Channel::Online,
            registered_by: None,
            keys: &[],
        })
        .await?;
    Ok(created.map(|_| tn.as_str().to_owned()))
}

/// One round of handling at `agency`, and a review when the petitioner asks for one.
#[allow(clippy::too_many_arguments)]
async fn handle(
    life: &mut Life<'_>,
    rng: &mut StdRng,
    desk: &Desk,
    agency: &Agency,
    tn: &str,
    received: NaiveDate,
    kind: PetitionKind,
    matter: &Matter,
) -> anyhow::Result<()> {
    // The acceptance decision: usually within the 15 days, sometimes late.
    let late = rng.random_bool(0.15);
    let mut day = received + Days::new(rng.random_range(1..if late { 25 } else { 13 }));
    let decision = rng.random_range(0..100);
    if decision < 6 {
        let command = Command::Decline {
            reason: "不属于本机关职权范围，已告知向有权机关提出".to_owned(),
            citation: "《信访工作条例》".to_owned(),
        };
        life.urge_late(tn, day).await?;
        life.act(&desk.clerk, tn, day, command).await?;
        return Ok(());
    }
    if decision < 9 && kind == PetitionKind::Litigation {
        let command = Command::Redirect {
            procedure: "申请再审".to_owned(),
            citation: "《中华人民共和国民事诉讼法》".to_owned(),
        };
        life.urge_late(tn, day).await?;
        life.act(&desk.clerk, tn, day, command).await?;
        return Ok(());
    }
    life.urge_late(tn, day).await?;
    if !life.act(&desk.clerk, tn, day, Command::Accept).await? {
        return Ok(());
    }
    day = day + Days::new(rng.random_range(0..3));
    if !life
        .act(
            &desk.supervisor,
            tn,
            day,
            Command::Assign {
                handler_id: desk.handler.id,
            },
        )
        .await?
    {
        return Ok(());
    }
    day = day + Days::new(rng.random_range(2..12));
    if !life
        .act(
            &desk.handler,
            tn,
            day,
            Command::RecordInvestigation {
                note: "调取相关材料，询问经办人员".to_owned(),
            },
        )
        .await?
    {
        return Ok(());
    }
    let Some(day) = conclude(life, rng, desk, tn, day, matter).await? else {
        return Ok(());
    };
    after_answer(life, rng, agency, tn, day, matter).await
}

/// From the investigation to the approved answer: most within the 60 days,
/// some after an extension, some late; a draft now and then returned. The
/// day the answer went out, or none where an act was refused.
async fn conclude(
    life: &mut Life<'_>,
    rng: &mut StdRng,
    desk: &Desk,
    tn: &str,
    mut day: NaiveDate,
    matter: &Matter,
) -> anyhow::Result<Option<NaiveDate>> {
    // Most conclude well within the 60 days; some need an extension; some are late.
    let slow = rng.random_bool(0.12);
    let extended = !slow && rng.random_bool(0.1);
    if extended {
        day = day + Days::new(rng.random_range(20..35));
        let ok = life
            .act(
                &desk.handler,
                tn,
                day,
                Command::RequestExtension {
                    days: 30,
                    reason: "需调取异地证据".to_owned(),
                },
            )
            .await?
            && life
                .act(
                    &desk.supervisor,
                    tn,
                    day + Days::new(1),
                    Command::ApproveExtension,
                )
                .await?;
        if !ok {
            return Ok(None);
        }
        day = day + Days::new(rng.random_range(20..40));
    } else {
        day = day
            + Days::new(if slow {
                rng.random_range(50..75)
            } else {
                rng.random_range(5..35)
            });
    }
    let draft = |round_review: bool| Command::DraftAnswer {
        text: matter.answer.to_owned(),
        legal_basis: "《信访工作条例》".to_owned(),
        review_outcome: round_review.then_some(ReviewOutcome::Upheld),
    };
    life.urge_late(tn, day).await?;
    if !life.act(&desk.handler, tn, day, draft(false)).await? {
        return Ok(None);
    }
    if rng.random_bool(0.2) {
        day = day + Days::new(rng.random_range(1..4));
        let returned = Command::ReturnDraft {
            comments: "请补充法律依据".to_owned(),
        };
        if !life.act(&desk.supervisor, tn, day, returned).await? {
            return Ok(None);
        }
        day = day + Days::new(rng.random_range(1..6));
        life.urge_late(tn, day).await?;
        if !life.act(&desk.handler, tn, day, draft(false)).await? {
            return Ok(None);
        }
    }
    day = day + Days::new(rng.random_range(1..4));
    life.urge_late(tn, day).await?;
    if !life
        .act(&desk.supervisor, tn, day, Command::Approve)
        .await?
    {
        return Ok(None);
    }
    Ok(Some(day))
}

/// After the answer: the petitioner rates most answers; a few ask for a
/// review one level up, which upholds or changes it.
async fn after_answer(
    life: &mut Life<'_>,
    rng: &mut StdRng,
    agency: &Agency,
    tn: &str,
    mut day: NaiveDate,
    matter: &Matter,
) -> anyhow::Result<()> {
    // The petitioner rates most answers; a few ask for a review one level up.
    if rng.random_bool(0.7) {
        let rating = match rng.random_range(0..100) {
            0..=54 => Rating::Satisfied,
            55..=79 => Rating::BasicallySatisfied,
            _ => Rating::Unsatisfied,
        };
        day = day + Days::new(rng.random_range(1..8));
        if !life
            .petitioner(
                tn,
                day,
                Command::Rate {
                    rating,
                    reason: String::new(),
                },
            )
            .await?
        {
            return Ok(());
        }
    }
    let Some(parent) = agency.parent_id else {
        return Ok(());
    };
    if !rng.random_bool(0.12) {
        return Ok(());
    }
    day = day + Days::new(rng.random_range(2..20));
    let asked = life
        .petitioner(
            tn,
            day,
            Command::RequestReview {
                reason: "对答复不服，请求复查".to_owned(),
            },
        )
        .await?;
    if !asked {
        return Ok(());
    }
    let upper = life.store.agency(parent).await?;
    let Some(up) = desk(life.store, &upper).await? else {
        return Ok(());
    };
    day = day + Days::new(rng.random_range(1..5));
    if !life.act(&up.clerk, tn, day, Command::Accept).await? {
        return Ok(());
    }
    let assigned = life
        .act(
            &up.supervisor,
            tn,
            day,
            Command::Assign {
                handler_id: up.handler.id,
            },
        )
        .await?;
    if !assigned {
        return Ok(());
    }
    day = day + Days::new(rng.random_range(5..28));
    let changed = rng.random_bool(0.35);
    let opinion = Command::DraftAnswer {
        text: if changed {
            matter.changed.to_owned()
        } else {
            format!(
                "经复查，{}作出的处理意见认定事实清楚、适用法律正确，处理适当，予以维持。",
                agency.name_zh
            )
        },
        legal_basis: "《信访工作条例》".to_owned(),
        review_outcome: Some(if changed {
            ReviewOutcome::Changed
        } else {
            ReviewOutcome::Upheld
        }),
    };
    life.urge_late(tn, day).await?;
    if !life.act(&up.handler, tn, day, opinion).await? {
        return Ok(());
    }
    day = day + Days::new(rng.random_range(1..3));
    life.act(&up.supervisor, tn, day, Command::Approve).await?;
    Ok(())
}
