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

/// A demo matter: its title, whom it is about, and the answer it gets — each
/// a matter the type of body it is filed with actually handles.
struct Matter {
    title: &'static str,
    subject: &'static str,
    answer: &'static str,
    /// What a review that changes the answer decides instead.
    changed: &'static str,
}

const COURT: &[Matter] = &[
    Matter {
        title: "判决生效后长期未执行",
        subject: "执行局承办人员",
        answer: "经查，该案已于立案后对被执行人的银行存款、不动产进行了查询和查封。因被执行人名下暂无可供执行的财产，执行工作尚未完成。本院已责令承办人员于30日内对被执行人进行财产调查，并依法将其纳入失信被执行人名单。执行进展将通过本院执行信息公开平台告知您。",
        changed: "经复查，原执行法院对被执行人的财产调查不全面，未查询被执行人名下的车辆和股权。现责令原执行法院于15日内补充调查，并依法采取相应执行措施。",
    },
    Matter {
        title: "执行款到账数月仍未发放",
        subject: "执行局承办人员",
        answer: "经查，该案执行款已于到账当月划入本院执行款专户。因申请人变更收款账户的材料不齐全，发放程序中止。本院已联系申请人补齐材料，执行款将于材料补齐后7个工作日内发放。承办人员未及时告知申请人所需材料，本院已对其进行批评教育。",
        changed: "经复查，执行款发放迟延的主要原因在于原执行法院内部审批环节拖延，原答复认定不准确。现责令原执行法院于5个工作日内发放执行款，并对相关人员的责任依规处理。",
    },
    Matter {
        title: "诉讼费用减免申请无人处理",
        subject: "立案庭工作人员",
        answer: "经查，您提交的诉讼费用缓交申请已于立案时登记，但承办人员未在规定期限内作出决定。本院已于收到信访事项后作出准予缓交的决定，并书面送达。本院已对立案环节的审批流程进行整改。",
        changed: "经复查，申请人符合诉讼费用减交的条件，原答复仅准予缓交不当。现决定准予减交诉讼费用50%。",
    },
];

const PROCURATORATE: &[Matter] = &[
    Matter {
        title: "举报线索提交后没有任何反馈",
        subject: "检察院办案人员",
        answer: "经查，您的举报材料已于收到当日登记，并依法移送本院相关部门审查。根据《人民检察院信访工作规定》，本院已于7个工作日内作出程序性回复，但回复未能送达。现再次书面告知：该线索正在审查中，审查结果将在3个月内告知您。",
        changed: "经复查，原检察院对举报线索的审查未在规定期限内完成，也未说明理由。现责令原检察院于30日内审查完毕，并将审查结果书面告知举报人。",
    },
    Matter {
        title: "不服不起诉决定申诉无人答复",
        subject: "检察院办案人员",
        answer: "经查，您对不起诉决定的申诉已由本院控告申诉检察部门受理。经审查，原不起诉决定认定事实清楚、适用法律正确，本院决定维持原不起诉决定。如不服，可依法向上一级人民检察院申诉。",
        changed: "经复查，原不起诉决定对部分证据未予审查，认定事实不清。现撤销原审查意见，由原检察院重新审查并作出决定。",
    },
];

const POLICE: &[Matter] = &[
    Matter {
        title: "报警后迟迟不予立案",
        subject: "派出所值班民警",
        answer: "经查，您报警反映的财物被盗一事，派出所已于接警当日受理并制作了询问笔录。因损失数额的认定需调取监控录像，立案审查超过了规定期限。现已依法立案侦查，案件进展将由办案民警告知您。派出所未及时告知您审查进展，已责令整改。",
        changed: "经复查，原公安机关在审查期限内未作出是否立案的决定，违反《公安机关办理刑事案件程序规定》。现责令其于3日内作出决定并书面告知报案人。",
    },
    Matter {
        title: "交通违法处罚认定事实有误",
        subject: "交警大队执勤民警",
        answer: "经调取执法记录仪视频和道路监控，您驾驶的车辆确有在禁止掉头路口掉头的行为，处罚认定事实清楚。您反映的执勤民警未出示证件一事，经查属实，已对该民警进行批评教育。如对处罚决定不服，可依法申请行政复议或提起行政诉讼。",
        changed: "经复查，监控录像不能清楚显示违法行为发生的地点，原处罚认定事实不清。现撤销该处罚决定，已缴纳的罚款予以退还。",
    },
    Matter {
        title: "扣押车辆案件终结后仍未返还",
        subject: "刑侦大队办案民警",
        answer: "经查，该案已于上月侦查终结，扣押的车辆与案件无关，依法应当解除扣押。办案部门已办理解除扣押手续，请您于15日内携带身份证件和车辆登记证书到停车场领取。停车期间产生的费用由公安机关承担。",
        changed: "经复查，车辆扣押期间因保管不善造成损坏，原答复未予处理。现责令原公安机关依法赔偿维修费用。",
    },
];

const JUSTICE: &[Matter] = &[
    Matter {
        title: "法律援助申请被拒绝",
        subject: "法律援助中心工作人员",
        answer: "经查，您的法律援助申请因经济困难证明材料不全未予受理。根据《法律援助法》，申请人可以书面说明经济困难状况。法律援助中心已重新审查您的申请，决定给予法律援助，并指派律师与您联系。",
        changed: "经复查，申请人符合法律援助条件，原决定不予援助不当。现决定给予法律援助，指派律师于5个工作日内与申请人联系。",
    },
    Matter {
        title: "社区矫正报到手续办理拖延",
        subject: "司法所工作人员",
        answer: "经查，司法所因交接材料未到齐，未能在规定时间内为您办理报到手续。现已办理完毕，并书面告知您社区矫正期间应遵守的规定。司法所已对接收环节的工作流程进行整改。",
        changed: "经复查，原司法所办理报到手续的拖延影响了申请人就业，原答复未予说明。现责令其出具书面说明并向申请人致歉。",
    },
];

const PRISON: &[Matter] = &[Matter {
    title: "家属会见申请被无故拖延",
    subject: "监狱管理人员",
    answer: "经查，您的会见申请因罪犯所在监区临时调整，未能在原定时间安排。监狱已于本周为您安排会见，并告知您网上预约会见的办理方式。今后监区调整时将提前告知家属。",
    changed: "经复查，原监狱未按规定时限安排会见，也未告知原因。现责令其于7日内安排会见，并完善会见预约告知制度。",
}];

const COMMITTEE: &[Matter] = &[Matter {
    title: "反映多个部门互相推诿",
    subject: "政法委工作人员",
    answer: "经协调，您反映的事项已明确由临江市公安局牵头办理，相关部门配合。政法委将督促牵头单位于30日内办结，并将办理结果书面告知您。",
    changed: "经复查，原协调意见未明确办理时限。现明确牵头单位须于15日内办结，政法委跟踪督办。",
}];

/// The matters a body of `t` handles.
fn matters(t: crate::domain::agency::AgencyType) -> &'static [Matter] {
    use crate::domain::agency::AgencyType as T;
    match t {
        T::Court => COURT,
        T::Procuratorate => PROCURATORATE,
        T::PublicSecurity => POLICE,
        T::JusticeBureau => JUSTICE,
        T::Prison => PRISON,
        T::PoliticalLegalCommittee => COMMITTEE,
    }
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
    let rules = ClockRules::official();
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
            };
            let received_at = at(day, 0);
            let deadlines = deadlines_starting(
                rules,
                &calendar,
                ClockStart::Received,
                kind.as_str(),
                agency.agency_type.as_str(),
                day,
            );
            let tn = TrackingNumber::generate(chrono::Datelike::year(&day), &mut rng);
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
            if created.is_none() {
                continue;
            }
            summary.petitions += 1;
            let tn = tn.as_str().to_owned();
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
    Ok(summary)
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
        if !life.petitioner(tn, day, Command::Rate { rating }).await? {
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
    let Some(up) = desk_of(life.store, &upper).await? else {
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

async fn desk_of(store: &Store, agency: &Agency) -> anyhow::Result<Option<Desk>> {
    desk(store, agency).await
}
