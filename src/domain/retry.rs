//! How long the job queue keeps trying a job (重试策略), per kind of job.
//!
//! A job is given up by its age, not by a count of attempts: a mail relay that
//! is down over a weekend must cost no acknowledgement, notice or reminder,
//! as with a real mail system (Postfix keeps a message for five days by
//! default). Mail jobs wait from 30 s, doubling to one hour between attempts,
//! for `mail_days` (configurable); the portal's own jobs (bulletins,
//! statistics snapshots), which fail only on a fault of the installation
//! itself, wait from 2 s to one hour for three days — long enough for a
//! weekend, short enough that an operator hears of it in the same week.

use std::time::Duration;

/// When a failed job is tried again, and when it is given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; it doubles after each further one.
    pub first_wait: Duration,
    /// The longest wait between two attempts.
    pub max_wait: Duration,
    /// A job that has been failing for this long since it was queued is given up (`dead`).
    pub give_up_after: Duration,
}

/// What the queue does after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this time (ms since the epoch).
    RetryAt(i64),
    /// Park the job as `dead` for an operator (`mingjing jobs retry`).
    GiveUp,
}

/// The family a job kind belongs to, by its stable name's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobFamily {
    /// Anything that ends in a message: `mail.*`, `sms.*` and the deadline steps `deadline.*`.
    Mail,
    /// The portal's own work: bulletins, snapshots and whatever else is added.
    Internal,
}

impl JobFamily {
    pub fn of(kind: &str) -> Self {
        if kind.starts_with("mail.") || kind.starts_with("sms.") || kind.starts_with("deadline.") {
            JobFamily::Mail
        } else {
            JobFamily::Internal
        }
    }
}

/// The retry policy of every job family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicies {
    pub mail: RetryPolicy,
    pub internal: RetryPolicy,
}

/// Days a mail job is retried unless `MINGJING_MAIL_RETRY_DAYS` says otherwise.
pub const DEFAULT_MAIL_RETRY_DAYS: u32 = 5;

const DAY: Duration = Duration::from_secs(24 * 3600);
const HOUR: Duration = Duration::from_secs(3600);

impl RetryPolicies {
    /// The shipped policies, mail given up after `mail_days` days.
    pub fn with_mail_days(mail_days: u32) -> Self {
        Self {
            mail: RetryPolicy {
                first_wait: Duration::from_secs(30),
                max_wait: HOUR,
                give_up_after: DAY * mail_days.max(1),
            },
            internal: RetryPolicy {
                first_wait: Duration::from_secs(2),
                max_wait: HOUR,
                give_up_after: DAY * 3,
            },
        }
    }

    pub fn for_kind(&self, kind: &str) -> &RetryPolicy {
        match JobFamily::of(kind) {
            JobFamily::Mail => &self.mail,
            JobFamily::Internal => &self.internal,
        }
    }
}

impl Default for RetryPolicies {
    fn default() -> Self {
        Self::with_mail_days(DEFAULT_MAIL_RETRY_DAYS)
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl RetryPolicy {
    /// The wait before attempt `attempts + 1`, after `attempts` failures.
    pub fn wait(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
        self.first_wait
            .saturating_mul(1u32 << doublings.min(20))
            .min(self.max_wait)
    }

    /// After the `attempts`-th failure of a job queued (or requeued by an
    /// operator) at `queued_ms`, now `now_ms`: the next attempt, or give up —
    /// when even the next attempt would fall after the give-up age, so that a
    /// job is never kept only to be dropped unseen.
    pub fn after_failure(&self, attempts: i32, queued_ms: i64, now_ms: i64) -> AfterFailure {
        let next = now_ms.saturating_add(millis(self.wait(attempts)));
        if next.saturating_sub(queued_ms) > millis(self.give_up_after) {
            AfterFailure::GiveUp
        } else {
            AfterFailure::RetryAt(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_waits_double_from_half_a_minute_to_an_hour() {
        let p = RetryPolicies::default().mail;
        assert_eq!(p.wait(1), Duration::from_secs(30));
        assert_eq!(p.wait(2), Duration::from_secs(60));
        assert_eq!(p.wait(3), Duration::from_secs(120));
        assert_eq!(p.wait(8), HOUR);
        assert_eq!(p.wait(500), HOUR);
        assert_eq!(p.wait(-3), Duration::from_secs(30));
    }

    #[test]
    fn a_mail_outage_over_a_weekend_loses_nothing() {
        let p = RetryPolicies::default();
        let queued = 0;
        // Friday evening to Monday morning: 62 hours of failures, ~70 attempts.
        let mut now = queued;
        let mut attempts = 0;
        while now < millis(HOUR * 62) {
            attempts += 1;
            match p
                .for_kind("mail.petition_ack")
                .after_failure(attempts, queued, now)
            {
                AfterFailure::RetryAt(t) => now = t,
                AfterFailure::GiveUp => panic!("given up after {attempts} attempts"),
            }
        }
        assert!(attempts > 12, "more than the old 12 attempts: {attempts}");
        assert_eq!(
            p.for_kind("deadline.remind")
                .after_failure(attempts, queued, millis(DAY * 5)),
            AfterFailure::GiveUp,
            "a reminder is a mail too, and five days is the limit"
        );
    }

    #[test]
    fn the_limit_is_configurable_and_never_below_a_day() {
        let p = RetryPolicies::with_mail_days(10).mail;
        assert_eq!(
            p.after_failure(100, 0, millis(DAY * 9)),
            AfterFailure::RetryAt(millis(DAY * 9 + HOUR))
        );
        assert_eq!(
            RetryPolicies::with_mail_days(0).mail.give_up_after,
            DAY,
            "0 days would drop every mail at its first failure"
        );
    }

    #[test]
    fn internal_jobs_are_given_up_after_three_days() {
        let p = RetryPolicies::default();
        assert_eq!(JobFamily::of("bulletin.generate"), JobFamily::Internal);
        assert_eq!(JobFamily::of("mail.bulletin"), JobFamily::Mail);
        let internal = p.for_kind("statistics.snapshot");
        assert!(matches!(
            internal.after_failure(40, 0, millis(DAY * 2)),
            AfterFailure::RetryAt(_)
        ));
        assert_eq!(
            internal.after_failure(80, 0, millis(DAY * 3)),
            AfterFailure::GiveUp
        );
    }

    #[test]
    fn the_age_counts_from_an_operators_requeue() {
        let p = RetryPolicies::default().mail;
        let requeued = millis(DAY * 30);
        assert!(matches!(
            p.after_failure(1, requeued, requeued + 1000),
            AfterFailure::RetryAt(_)
        ));
    }
}
