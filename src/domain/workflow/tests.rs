//! The workflow as a table and as properties: every (state, command, role)
//! triple, what the console offers, recusal, the review rounds and clocks.

use super::*;
use proptest::prelude::*;

static CALENDAR: std::sync::LazyLock<Calendar> =
    std::sync::LazyLock::new(|| Calendar::shipped().unwrap());

pub(super) const AGENCY: AgencyId = AgencyId(7);
const PARENT: AgencyId = AgencyId(3);
pub(super) const HANDLER: StaffId = StaffId(11);
pub(super) const CLERK: StaffId = StaffId(12);
pub(super) const SUPERVISOR: StaffId = StaffId(13);
const AUTHOR: StaffId = StaffId(14);

fn today() -> NaiveDate {
    "2026-11-26".parse().unwrap()
}

fn at(today: NaiveDate, agency_type: AgencyType) -> Context<'static> {
    Context {
        today,
        kind: PetitionKind::Complaint,
        agency_type,
        parent_agency: Some(PARENT),
        rules: ClockRules::official(),
        calendar: &CALENDAR,
    }
}

pub(super) fn cx() -> Context<'static> {
    at(today(), AgencyType::Court)
}

fn actors() -> Vec<(&'static str, Actor)> {
    let staff = |id, role| Actor::Staff {
        id,
        role,
        agency_id: AGENCY,
    };
    vec![
        ("intake_clerk", staff(CLERK, Role::IntakeClerk)),
        ("handler", staff(HANDLER, Role::Handler)),
        ("supervisor", staff(SUPERVISOR, Role::Supervisor)),
        ("auditor", staff(StaffId(15), Role::Auditor)),
        ("admin", staff(StaffId(16), Role::Admin)),
        ("petitioner", Actor::Petitioner),
        ("system", Actor::System),
    ]
}

fn commands() -> Vec<Command> {
    vec![
        Command::Release,
        Command::Accept,
        Command::Decline {
            reason: "不属于本机关职权范围".into(),
            citation: "《信访工作条例》".into(),
        },
        Command::Transfer {
            to_agency_id: AgencyId(8),
            reason: "转送有权处理机关".into(),
        },
        Command::Redirect {
            procedure: "申请再审".into(),
            citation: "《民事诉讼法》第二百一十条".into(),
        },
        Command::Merge {
            original: "MJ26-K3FQ9-X2MAP".into(),
            reason: "同一信访人就同一事项重复提出".into(),
        },
        Command::Assign {
            handler_id: HANDLER,
        },
        Command::RecordInvestigation {
            note: "已调取执法记录仪视频".into(),
        },
        Command::AskPetitioner {
            question: "请提供缴费凭证".into(),
        },
        Command::DraftAnswer {
            text: "经查，情况属实".into(),
            legal_basis: "《行政处罚法》".into(),
            review_outcome: None,
        },
        Command::Approve,
        Command::ReturnDraft {
            comments: "请补充法律依据".into(),
        },
        Command::RequestExtension {
            days: 30,
            reason: "需要调取异地证据".into(),
        },
        Command::ApproveExtension,
        Command::RefuseExtension {
            reason: "理由不充分".into(),
        },
        Command::StopClock {
            reason: "等待信访人补充材料".into(),
        },
        Command::ResumeClock,
        Command::Rate {
            rating: Rating::Satisfied,
            reason: String::new(),
        },
        Command::RequestReview {
            reason: "对答复不服".into(),
        },
        Command::Close,
    ]
}

pub(super) fn petition(state: State, command: &Command) -> PetitionState {
    PetitionState {
        state,
        round: Round::Original,
        agency_id: AGENCY,
        handler_id: Some(HANDLER),
        draft_author_id: Some(AUTHOR),
        extension_used: false,
        extension_pending: matches!(
            command,
            Command::ApproveExtension | Command::RefuseExtension { .. }
        ),
        rating: None,
        answered_on: Some(today()),
        extension_days: 30,
        clock_stopped_on: matches!(command, Command::ResumeClock).then(today),
        recused_staff: vec![],
        draft_text: Some("经查，情况属实".into()),
        answer_text: None,
        conclusion_due_on: Some(today() + chrono::Days::new(40)),
        reviewed_agency_id: None,
        reviewed_handler_id: None,
        review_outcome: None,
    }
}

/// The legal (state, command, role) triples, written out independently of `decide`.
fn legal(state: State, command: &str, role: &str) -> bool {
    use State::*;
    let intake = ["intake_clerk", "supervisor"].contains(&role);
    let handling = ["handler", "supervisor"].contains(&role);
    let working = [Accepted, Assigned, Investigating, Drafted].contains(&state);
    match command {
        "release" => state == Quarantined && intake,
        "merge" => state == Received && intake,
        "accept" | "decline" | "transfer" | "redirect" => {
            [Received, ReviewRequested].contains(&state) && intake
        }
        "assign" => [Accepted, Assigned, Investigating].contains(&state) && role == "supervisor",
        "record_investigation" | "ask_petitioner" | "draft_answer" => {
            [Assigned, Investigating].contains(&state) && handling
        }
        "approve" | "return_draft" => state == Drafted && role == "supervisor",
        "request_extension" => working && handling,
        "approve_extension" | "refuse_extension" => working && role == "supervisor",
        "stop_clock" | "resume_clock" => working && handling,
        "rate" | "request_review" | "close" => state == Answered && role == "petitioner",
        other => panic!("unknown command {other}"),
    }
}

#[test]
fn only_the_legal_state_command_role_triples_succeed() {
    let mut checked = 0;
    for state in State::ALL {
        for command in commands() {
            for (role, actor) in actors() {
                let result = decide(&petition(state, &command), &command, &actor, &cx());
                assert_eq!(
                    result.is_ok(),
                    legal(state, command.name(), role),
                    "{state:?} × {} × {role}: {result:?}",
                    command.name()
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 12 * 20 * 7);
}

#[test]
fn the_console_offers_exactly_what_the_workflow_allows_the_next_step_first() {
    for state in State::ALL {
        for (role, actor) in actors() {
            let p = petition(state, &Command::Accept);
            let offered = available(&p, &actor, &cx());
            for name in CONSOLE_ORDER {
                // What the fixture's petition holds besides state and role:
                // no extension pending, the clock running, another's draft.
                let conditions = match name {
                    "approve_extension" | "refuse_extension" => p.extension_pending,
                    "resume_clock" => p.clock_stopped_on.is_some(),
                    _ => true,
                };
                assert_eq!(
                    offered.contains(&name),
                    legal(state, name, role) && conditions,
                    "{state:?} × {name} × {role}: {offered:?}"
                );
            }
        }
    }
    let handler = Actor::Staff {
        id: HANDLER,
        role: Role::Handler,
        agency_id: AGENCY,
    };
    let p = petition(State::Investigating, &Command::Accept);
    assert_eq!(available(&p, &handler, &cx())[0], "draft_answer");
    let clerk = Actor::Staff {
        id: CLERK,
        role: Role::IntakeClerk,
        agency_id: AGENCY,
    };
    let p = petition(State::Received, &Command::Accept);
    assert_eq!(
        available(&p, &clerk, &cx()),
        vec!["accept", "decline", "transfer", "redirect", "merge"]
    );
    // A handler is offered no approval.
    let p = petition(State::Drafted, &Command::Accept);
    assert!(!available(&p, &handler, &cx()).contains(&"approve"));
}

#[test]
fn staff_of_another_agency_and_recused_staff_are_refused() {
    let mut p = petition(State::Received, &Command::Accept);
    let outsider = Actor::Staff {
        id: StaffId(99),
        role: Role::Supervisor,
        agency_id: AgencyId(AGENCY.0 + 1),
    };
    assert_eq!(
        decide(&p, &Command::Accept, &outsider, &cx()),
        Err(Refusal::OutOfScope)
    );
    p.recused_staff = vec![SUPERVISOR];
    let named = Actor::Staff {
        id: SUPERVISOR,
        role: Role::Supervisor,
        agency_id: AGENCY,
    };
    assert_eq!(
        decide(&p, &Command::Accept, &named, &cx()),
        Err(Refusal::Recused)
    );
    let mut p = petition(
        State::Accepted,
        &Command::Assign {
            handler_id: HANDLER,
        },
    );
    p.recused_staff = vec![HANDLER];
    let boss = Actor::Staff {
        id: SUPERVISOR,
        role: Role::Supervisor,
        agency_id: AGENCY,
    };
    assert_eq!(
        decide(
            &p,
            &Command::Assign {
                handler_id: HANDLER
            },
            &boss,
            &cx()
        ),
        Err(Refusal::Recused)
    );
}

#[test]
fn nobody_approves_their_own_draft_and_extensions_are_bounded() {
    let mut p = petition(State::Drafted, &Command::Approve);
    p.draft_author_id = Some(SUPERVISOR);
    let boss = Actor::Staff {
        id: SUPERVISOR,
        role: Role::Supervisor,
        agency_id: AGENCY,
    };
    assert_eq!(
        decide(&p, &Command::Approve, &boss, &cx()),
        Err(Refusal::OwnDraft)
    );
    let handler = Actor::Staff {
        id: HANDLER,
        role: Role::Handler,
        agency_id: AGENCY,
    };
    let p = petition(State::Investigating, &Command::Accept);
    let long = Command::RequestExtension {
        days: 31,
        reason: "x".into(),
    };
    assert_eq!(
        decide(&p, &long, &handler, &cx()),
        Err(Refusal::ExtensionTooLong)
    );
    let mut used = p.clone();
    used.extension_used = true;
    let ok = Command::RequestExtension {
        days: 30,
        reason: "x".into(),
    };
    assert_eq!(
        decide(&used, &ok, &handler, &cx()),
        Err(Refusal::ExtensionUsed)
    );
}

#[test]
fn reviews_go_round_twice_then_the_matter_closes() {
    let mut p = petition(State::Answered, &Command::Accept);
    let review = Command::RequestReview {
        reason: "不服".into(),
    };
    let o = decide(&p, &review, &Actor::Petitioner, &cx()).unwrap();
    assert_eq!(
        (o.new.state, o.new.round),
        (State::ReviewRequested, Round::Review)
    );
    assert_eq!(o.start_deadlines[0].clock, "review_decision");
    p.round = Round::ReReview;
    assert_eq!(
        decide(&p, &review, &Actor::Petitioner, &cx()),
        Err(Refusal::NoFurtherReview)
    );
    p.round = Round::Original;
    let late = today() + chrono::Days::new(31);
    assert_eq!(
        decide(
            &p,
            &review,
            &Actor::Petitioner,
            &at(late, AgencyType::Court)
        ),
        Err(Refusal::ReviewWindowClosed)
    );
    assert_eq!(
        decide(
            &p,
            &Command::Close,
            &Actor::System,
            &at(late, AgencyType::Court)
        )
        .unwrap()
        .new
        .state,
        State::Closed
    );
}

#[test]
fn taking_up_a_review_leaves_its_thirty_day_clock_running_until_the_opinion() {
    let mut p = petition(State::ReviewRequested, &Command::Accept);
    p.round = Round::Review;
    let clerk = Actor::Staff {
        id: CLERK,
        role: Role::IntakeClerk,
        agency_id: AGENCY,
    };
    let o = decide(&p, &Command::Accept, &clerk, &cx()).unwrap();
    assert!(o.stop_clocks.is_empty(), "{:?}", o.stop_clocks);
    assert!(o.start_deadlines.is_empty(), "no 60-day clock in a review");
    let mut drafted = p.clone();
    drafted.state = State::Drafted;
    let boss = Actor::Staff {
        id: SUPERVISOR,
        role: Role::Supervisor,
        agency_id: AGENCY,
    };
    let answered = decide(&drafted, &Command::Approve, &boss, &cx()).unwrap();
    assert!(answered.stop_clocks.contains(&"review_decision"));
    // A first handling: accepting meets the acceptance clock and starts the conclusion clock.
    let first = petition(State::Received, &Command::Accept);
    let o = decide(&first, &Command::Accept, &clerk, &cx()).unwrap();
    assert_eq!(o.stop_clocks, vec!["acceptance", "procedural_reply"]);
    assert_eq!(o.start_deadlines[0].clock, "conclusion");
}

#[test]
fn a_review_goes_one_level_up_and_stops_at_the_top() {
    let p = petition(State::Answered, &Command::Accept);
    let review = Command::RequestReview {
        reason: "不服".into(),
    };
    let o = decide(&p, &review, &Actor::Petitioner, &cx()).unwrap();
    assert_eq!(o.new.agency_id, PARENT, "the body one level up decides it");
    assert_eq!(o.new.handler_id, None);
    let top = Context {
        parent_agency: None,
        ..cx()
    };
    assert_eq!(
        decide(&p, &review, &Actor::Petitioner, &top),
        Err(Refusal::NoFurtherReview)
    );
}

#[test]
fn the_approved_draft_is_the_answer_and_an_extension_moves_the_conclusion() {
    let handler = Actor::Staff {
        id: HANDLER,
        role: Role::Handler,
        agency_id: AGENCY,
    };
    let boss = Actor::Staff {
        id: SUPERVISOR,
        role: Role::Supervisor,
        agency_id: AGENCY,
    };
    let p = petition(State::Investigating, &Command::Accept);
    let draft = Command::DraftAnswer {
        text: "经查，情况属实".into(),
        legal_basis: "《信访工作条例》".into(),
        review_outcome: None,
    };
    let drafted = decide(&p, &draft, &handler, &cx()).unwrap().new;
    assert_eq!(
        drafted.draft_text.as_deref(),
        Some("经查，情况属实\n\n《信访工作条例》")
    );
    let answered = decide(&drafted, &Command::Approve, &boss, &cx()).unwrap();
    assert_eq!(answered.new.answer_text, drafted.draft_text);
    assert_eq!(answered.body, "经查，情况属实\n\n《信访工作条例》");
    assert_eq!(
        answered.new.conclusion_due_on, None,
        "the conclusion clock is met"
    );

    // 30 days on a conclusion due Tuesday 2026-12-15: Thursday 2027-01-14.
    let mut pending = petition(State::Investigating, &Command::ApproveExtension);
    pending.conclusion_due_on = Some("2026-12-15".parse().unwrap());
    let o = decide(&pending, &Command::ApproveExtension, &boss, &cx()).unwrap();
    assert_eq!(o.extend_conclusion_by, Some(30));
    assert_eq!(o.conclusion_due_on, Some("2027-01-14".parse().unwrap()));
    assert_eq!(o.new.conclusion_due_on, o.conclusion_due_on);
}

#[test]
fn a_recused_actor_is_refused_even_when_the_caller_found_the_petition() {
    let mut p = petition(State::Investigating, &Command::Accept);
    p.recused_staff = vec![HANDLER];
    let handler = Actor::Staff {
        id: HANDLER,
        role: Role::Handler,
        agency_id: AGENCY,
    };
    let note = Command::RecordInvestigation {
        note: "调取记录".into(),
    };
    assert_eq!(decide(&p, &note, &handler, &cx()), Err(Refusal::Recused));
}

fn arb_command() -> impl Strategy<Value = Command> {
    (0..commands().len()).prop_map(|i| commands()[i].clone())
}

fn arb_actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        (0..actors().len()).prop_map(|i| actors()[i].1.clone()),
        Just(Actor::Staff {
            id: AUTHOR,
            role: Role::Supervisor,
            agency_id: AGENCY
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    /// Any sequence of commands: no terminal state is left, nobody approves
    /// their own draft, and no deadline moves earlier.
    #[test]
    fn random_command_sequences_keep_the_invariants(steps in proptest::collection::vec((arb_command(), arb_actor(), 0u64..5), 1..60)) {
        let mut p = PetitionState { state: State::Received, round: Round::Original, agency_id: AGENCY, handler_id: None, draft_author_id: None, extension_used: false, extension_pending: false, rating: None, answered_on: None, extension_days: 0, clock_stopped_on: None, recused_staff: vec![], draft_text: None, answer_text: None, conclusion_due_on: None, reviewed_agency_id: None, reviewed_handler_id: None, review_outcome: None };
        let mut day = today();
        let mut due: std::collections::HashMap<String, NaiveDate> = std::collections::HashMap::new();
        for (command, actor, advance) in steps {
            day = day + chrono::Days::new(advance);
            let before = p.clone();
            // The body one level up is played by the same staff, so reviews run their cycle too.
            let cx = Context { parent_agency: Some(AGENCY), ..at(day, AgencyType::Procuratorate) };
            match decide(&p, &command, &actor, &cx) {
                Ok(o) => {
                    prop_assert!(!before.state.is_terminal(), "left terminal state {:?}", before.state);
                    if command == Command::Approve {
                        let Actor::Staff { id, .. } = actor else { panic!("only staff approve") };
                        prop_assert_ne!(Some(id), before.draft_author_id);
                    }
                    for d in &o.start_deadlines {
                        if let Some(old) = due.get(&d.clock) {
                            prop_assert!(d.due_on >= *old, "{} moved earlier", d.clock);
                        }
                        due.insert(d.clock.clone(), d.due_on);
                    }
                    if let (Some(moved), Some(old)) = (o.conclusion_due_on, due.get("conclusion")) {
                        prop_assert!(moved >= *old, "conclusion moved earlier");
                    }
                    if let (Some(days), Some(old)) = (o.extend_conclusion_by, due.get_mut("conclusion")) {
                        *old = *old + chrono::Days::new(u64::from(days));
                    }
                    p = o.new;
                }
                Err(_) => prop_assert_eq!(&p, &before),
            }
        }
    }
}

#[test]
fn the_petitioner_sees_where_the_matter_stands() {
    let current = |state| {
        stages(state)
            .iter()
            .position(|(_, s)| *s == StageStatus::Current)
    };
    assert_eq!(current(State::Received), Some(1));
    assert_eq!(current(State::Investigating), Some(2));
    assert_eq!(current(State::Answered), Some(4));
    assert_eq!(current(State::Closed), None);
    assert!(
        stages(State::Closed)
            .iter()
            .all(|(_, s)| *s == StageStatus::Done)
    );
    let declined = stages(State::Declined);
    assert_eq!(declined[1].1, StageStatus::Ended);
    assert_eq!(declined[4].1, StageStatus::NotReached);
    for state in State::ALL {
        assert_eq!(
            stages(state)[0].1,
            StageStatus::Done,
            "{state:?}: registered"
        );
    }
}

#[test]
fn an_answer_splits_back_into_text_and_basis() {
    let issued = answer_with_basis(
        "经查，反映属实。\n\n已责令整改。",
        "《信访工作条例》第三十二条",
    );
    assert_eq!(
        split_answer(&issued),
        (
            "经查，反映属实。\n\n已责令整改。",
            Some("《信访工作条例》第三十二条")
        )
    );
    assert_eq!(split_answer("只有正文"), ("只有正文", None));
}
