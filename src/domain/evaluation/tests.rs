//! The method parses and scores no count; contributions, periods and
//! percentiles add up as the method page says.

use super::*;
use crate::domain::scoring::score;
use std::collections::BTreeMap;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn the_shipped_method_parses_and_scores_no_count() {
    let rules = EvaluationRules::shipped().unwrap();
    assert!(rules.indicators.len() >= 10);
    for i in &rules.indicators {
        if let Formula::Count { .. } = i.formula {
            assert_eq!(i.weight, 0.0, "{} is a count", i.id);
        }
        assert!(
            !i.explain_zh.is_empty() && !i.explain_en.is_empty(),
            "{}",
            i.id
        );
    }
    assert!(rules.indicators.iter().any(|i| i.weight > 0.0));
}

#[test]
fn a_method_that_scores_volume_is_refused() {
    let text = r#"
min_sample = 5
[[indicator]]
id = "received"
name_zh = "收件数"
name_en = "Received"
explain_zh = "x"
explain_en = "x"
type = "count"
metrics = ["received"]
weight = 1.0
"#;
    assert!(
        EvaluationRules::from_toml(text)
            .unwrap_err()
            .contains("never scored")
    );
}

#[test]
fn periods_parse_and_span_their_months() {
    let q = Period::parse("2026-Q4").unwrap();
    assert_eq!(q.months(), ("2026-10".to_owned(), "2026-12".to_owned()));
    assert_eq!(q.days(), (d("2026-10-01"), d("2026-12-31")));
    assert_eq!(q.previous(), Period::Quarter(2026, 3));
    assert_eq!(
        Period::parse("2026-01").unwrap().previous().key(),
        "2025-12"
    );
    assert_eq!(Period::parse("2026").unwrap().days().1, d("2026-12-31"));
    assert_eq!(Period::parse("2026-02").unwrap().days().1, d("2026-02-28"));
    assert_eq!(
        Period::parse("2026-02").unwrap().trailing_months(3),
        vec![
            Period::Month(2025, 12),
            Period::Month(2026, 1),
            Period::Month(2026, 2)
        ]
    );
    for bad in ["", "2026-13", "2026-Q5", "x", "2026-"] {
        assert_eq!(Period::parse(bad), None, "{bad}");
    }
}

#[test]
fn percentiles_are_nearest_rank() {
    let h: BTreeMap<i64, i64> = [(2, 1), (5, 2), (9, 1), (30, 1)].into_iter().collect();
    assert_eq!(percentile(&h, 50), Some(5));
    assert_eq!(percentile(&h, 90), Some(30));
    assert_eq!(percentile(&h, 20), Some(2));
    assert_eq!(percentile(&BTreeMap::new(), 50), None);
}

#[test]
fn a_review_that_changes_an_answer_counts_against_the_answer_it_changed() {
    let e = EventFact {
        kind: EventKind::Answered,
        day: d("2026-11-20"),
        petition_kind: PetitionKind::Complaint,
        category: PetitionCategory::Conduct,
        round: Round::Review,
        agency: AgencyId(1),
        officer: Some(StaffId(10)),
        other_agency: Some(AgencyId(5)),
        other_officer: Some(StaffId(50)),
        detail: Some("changed"),
    };
    let c = of_event(&e);
    let metrics: Vec<(AgencyId, Option<StaffId>, &str)> = c
        .iter()
        .map(|c| (c.agency, c.officer, c.metric.as_str()))
        .collect();
    assert_eq!(
        metrics,
        vec![
            (AgencyId(1), Some(StaffId(10)), "answered"),
            (AgencyId(1), Some(StaffId(10)), "review_decided:review"),
            (AgencyId(5), Some(StaffId(50)), "review_changed"),
        ]
    );
}

#[test]
fn a_met_deadline_counts_on_its_due_day_on_time_or_late() {
    let base = DeadlineFact {
        clock: "acceptance",
        round: Round::Original,
        agency: AgencyId(3),
        officer: Some(StaffId(7)),
        petition_kind: PetitionKind::Report,
        category: PetitionCategory::Other,
        started_on: d("2026-11-02"),
        due_on: d("2026-11-17"),
        closed_on: d("2026-11-10"),
    };
    let c = of_deadline(&base);
    assert_eq!(c[0].metric, "clock:acceptance:original:on_time");
    assert_eq!(c[0].day, d("2026-11-17"));
    assert_eq!(c[1].metric, "used:acceptance:original:8");
    let late = DeadlineFact {
        closed_on: d("2026-11-18"),
        ..base
    };
    assert_eq!(
        of_deadline(&late)[0].metric,
        "clock:acceptance:original:late"
    );
}

/// Seven petitions at one agency in November 2026, computed by hand: five
/// decided in time and two late, five concluded in time, six drafts with
/// one returned, five ratings (3 满意, 1 基本满意, 1 不满意), one review that
/// changed the answer.
#[test]
fn every_indicator_of_a_hand_computed_month() {
    let agency = AgencyId(1);
    let h = Some(StaffId(10));
    let mut c = Vec::new();
    let ev = |kind: EventKind, round: Round, detail: Option<&'static str>| EventFact {
        kind,
        day: d("2026-11-20"),
        petition_kind: PetitionKind::Complaint,
        category: PetitionCategory::Conduct,
        round,
        agency,
        officer: h,
        other_agency: None,
        other_officer: None,
        detail,
    };
    let dl = |clock: &'static str, started: &str, due: &str, closed: &str| DeadlineFact {
        clock,
        round: Round::Original,
        agency,
        officer: h,
        petition_kind: PetitionKind::Complaint,
        category: PetitionCategory::Conduct,
        started_on: d(started),
        due_on: d(due),
        closed_on: d(closed),
    };
    for _ in 0..7 {
        c.extend(of_event(&ev(EventKind::Received, Round::Original, None)));
    }
    for _ in 0..5 {
        c.extend(of_deadline(&dl(
            "acceptance",
            "2026-11-02",
            "2026-11-17",
            "2026-11-10",
        )));
    }
    for _ in 0..2 {
        c.extend(of_deadline(&dl(
            "acceptance",
            "2026-11-02",
            "2026-11-17",
            "2026-11-19",
        )));
    }
    for closed in [
        "2026-11-25",
        "2026-11-25",
        "2026-11-25",
        "2026-11-28",
        "2026-11-28",
    ] {
        c.extend(of_deadline(&dl(
            "conclusion",
            "2026-11-10",
            "2026-11-30",
            closed,
        )));
    }
    for _ in 0..6 {
        c.extend(of_event(&ev(EventKind::Drafted, Round::Original, None)));
    }
    c.extend(of_event(&ev(EventKind::Returned, Round::Original, None)));
    for rating in [
        "satisfied",
        "satisfied",
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
    ] {
        c.extend(of_event(&ev(
            EventKind::Rated,
            Round::Original,
            Some(rating),
        )));
    }
    c.extend(of_event(&ev(
        EventKind::ReviewRequested,
        Round::Original,
        None,
    )));
    c.extend(of_event(&EventFact {
        agency: AgencyId(2),
        officer: Some(StaffId(20)),
        other_agency: Some(agency),
        other_officer: h,
        ..ev(EventKind::Answered, Round::Review, Some("changed"))
    }));
    let mut totals = Totals::new();
    for x in c.iter().filter(|x| x.agency == agency) {
        *totals.entry(x.metric.clone()).or_insert(0) += 1;
    }
    let rules = EvaluationRules::shipped().unwrap();
    let values = evaluate(&rules, &totals, &BTreeMap::new());
    let v = |id: &str| values.iter().find(|v| v.id == id).unwrap().clone();
    let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);

    let acceptance = v("acceptance_on_time");
    assert!(close(acceptance.value, 5.0 / 7.0), "{acceptance:?}");
    assert!(acceptance.flagged, "below 90%");
    assert_eq!((acceptance.numerator, acceptance.denominator), (5, 7));
    assert!(close(v("conclusion_on_time").value, 1.0));
    assert_eq!(
        v("acceptance_days_median").value,
        Some(8.0),
        "days used: 8 ×5, 17 ×2"
    );
    assert_eq!(
        v("conclusion_days_median").value,
        Some(15.0),
        "15 ×3, 18 ×2"
    );
    assert_eq!(v("conclusion_days_p90").value, Some(18.0));
    assert!(close(v("return_rate").value, 1.0 / 6.0));
    assert!(close(v("satisfaction_rate").value, 0.8));
    assert!(!v("satisfaction_rate").flagged, "0.8 is not below 0.8");
    let reversal = v("reversal_rate");
    assert_eq!(reversal.value, None, "one review: fewer than 5");
    assert!(reversal.too_few);
    assert_eq!((reversal.numerator, reversal.denominator), (1, 1));
    assert_eq!(v("received").value, Some(7.0));
    assert_eq!(v("reviews_requested").value, Some(1.0));
    assert_eq!(v("unsatisfied").value, Some(1.0));
    assert_eq!(
        v("procedural_reply_on_time").value,
        None,
        "not a procuratorate"
    );
    // Score: (1·5/7 + 2·1 + 1·(1 − 1/6) + 1·0.8) / 5, the rates that could be computed.
    let expected = 100.0 * (5.0 / 7.0 + 2.0 + 5.0 / 6.0 + 0.8) / 5.0;
    let s = score(&rules, &values);
    assert!(close(s.value, expected), "{s:?}");
    // Four of five weighted rates with cases computed: 5 of 7 in weight.
    assert_eq!((s.computed, s.applicable), (4, 5));
    assert!((s.coverage - 5.0 / 7.0).abs() < 1e-9);

    // Two clocks still open past their last day count as late too.
    let live: BTreeMap<String, i64> = [("overdue:acceptance:original".to_owned(), 2)]
        .into_iter()
        .collect();
    let with_live = evaluate(&rules, &totals, &live);
    let a = with_live
        .iter()
        .find(|v| v.id == "acceptance_on_time")
        .unwrap();
    assert_eq!((a.numerator, a.denominator), (5, 9));
}
