//! The `mingjing` command line.

use crate::config::Settings;
use crate::domain::staff::{Email, Role, password_is_acceptable};
use crate::startup::Application;
use crate::store::Store;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mingjing",
    version,
    about = "明镜 — transparency and petition portal for law-enforcement bodies"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (migrations are applied on start).
    Serve {
        /// First fill an empty database with demo agencies, procedures and staff.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Fill an empty database with demo data and print the demo staff logins.
    SeedDemo,
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Run one pass of the deadline sweep now (the server runs it every minute).
    Sweep,
    /// Rebuild the search indexes from the database (also while the server runs:
    /// the embedded index is written one batch at a time by whoever holds it).
    Reindex {
        /// Only compare the indexes with the database and report; change nothing.
        #[arg(long)]
        check: bool,
    },
    /// Fill the database with N synthetic petitions for benchmarks (demo data must be there).
    #[command(hide = true)]
    BenchSeed {
        #[arg(long, default_value_t = 100_000)]
        petitions: u32,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The official holiday calendar the deadlines are counted on.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// The evaluation's roll-ups (counts by agency, officer, day and month).
    Rollup {
        /// Recompute every roll-up from the record (events and met deadlines).
        #[arg(long)]
        rebuild: bool,
        /// Recount one day (YYYY-MM-DD) and its month from the record.
        #[arg(long)]
        day: Option<chrono::NaiveDate>,
        /// Compare the roll-ups with a recomputation from the record (exit 1 on a difference).
        #[arg(long)]
        check: bool,
    },
    /// The public statistics' signed daily snapshots.
    Stats {
        #[command(subcommand)]
        command: StatsCommand,
    },
    /// Partner systems that file through Open311 GeoReport v2 with an API key.
    Partner {
        #[command(subcommand)]
        command: PartnerCommand,
    },
    /// Back up the installation while it serves: the database (SQLite snapshot
    /// or pg_dump), the evidence files and the keys, into a new directory.
    /// Keep it as secret as the database: it opens every petition.
    Backup {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Restore a backup into an empty data directory (MINGJING_DATA_DIR) and
    /// an empty database (MINGJING_DATABASE_URL), then verify its audit trail.
    /// Run `mingjing reindex` afterwards to rebuild search.
    Restore { from: std::path::PathBuf },
    /// The job queue: mail, reminders, bulletins and snapshots waiting or given up.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// The retention schedule (保存期限): run it now (the server's worker runs
    /// it once a day), see what a run would do, load or show the schedule.
    Retention {
        #[command(subcommand)]
        command: Option<RetentionCommand>,
        /// Say what a run would do and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: as if on this day (YYYY-MM-DD), to see what a later run will do.
        #[arg(long, requires = "dry_run")]
        as_of: Option<chrono::NaiveDate>,
    },
    /// The agencies' contact directory (联系方式): load FILE, a TOML file with
    /// one [[agency]] table per agency (code, address_zh, address_en,
    /// hours_zh, hours_en, phone). Checked whole before anything is written.
    Agencies {
        #[command(subcommand)]
        command: AgenciesCommand,
    },
    /// Generate the monthly bulletin (执法情况通报) of every agency for a month
    /// (one that exists stays as it was) and queue its mail.
    Bulletin {
        /// YYYY-MM
        #[arg(long)]
        month: String,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Load one or more years from FILE (the format of the shipped
    /// cn-holidays.toml: a [YEAR] table with notice, notice_date, holidays,
    /// makeup_workdays and names). Checked first; every open provisional
    /// deadline is then counted again (never earlier), and the petitioners
    /// whose dates moved are told.
    Import {
        file: std::path::PathBuf,
        /// Who loads it, for the audit trail (default: the login name).
        #[arg(long)]
        by: Option<String>,
        /// Load a year the calendar already has (a corrected notice).
        #[arg(long)]
        replace: bool,
    },
    /// List the years the calendar knows, with the notice each follows.
    Show,
}

#[derive(Subcommand)]
enum AgenciesCommand {
    /// Load the contact directory from FILE.
    Contacts { file: std::path::PathBuf },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Check FILE (the format of the shipped retention.toml) and make it the
    /// schedule in force; audited.
    Load {
        file: std::path::PathBuf,
        /// Who loads it, for the audit trail (default: the login name).
        #[arg(long)]
        by: Option<String>,
    },
    /// Print the schedule in force and where it comes from.
    Show,
}

#[derive(Subcommand)]
enum StatsCommand {
    /// Make today's snapshot now (the server makes one every day); one that exists stays.
    Snapshot,
    /// Check a downloaded snapshot against its signature (exit 0) or say why not (exit 1).
    Verify {
        /// The snapshot (`DAY.json`).
        file: std::path::PathBuf,
        /// Its signature (raw 64 bytes or hex); default FILE.sig.
        #[arg(long)]
        signature: Option<std::path::PathBuf>,
        /// The installation's public key (`key.pem`, or 64 hex digits); default
        /// this installation's own key.
        #[arg(long)]
        key: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum PartnerCommand {
    /// Create a partner and print its API key (shown once; only its hash is kept).
    Add {
        #[arg(long)]
        name: String,
        /// Requests a minute the key allows.
        #[arg(long, default_value_t = crate::app::open311::DEFAULT_REQUESTS_PER_MINUTE)]
        requests_per_minute: i32,
        /// Who creates it, for the audit trail (default: the login name).
        #[arg(long)]
        by: Option<String>,
    },
    /// List the partners, with revoked ones.
    List,
    /// Revoke a partner's key at once.
    Revoke {
        id: i32,
        #[arg(long)]
        by: Option<String>,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// The jobs given up (dead) and those waiting, the dead first.
    List {
        /// Only the dead ones.
        #[arg(long)]
        dead: bool,
        #[arg(long, default_value_t = 200)]
        limit: u64,
    },
    /// Put a dead job (or all of them) back in the queue to run now; audited.
    Retry {
        /// The job's id, as `jobs list` shows it.
        #[arg(required_unless_present = "all_dead", conflicts_with = "all_dead")]
        id: Option<i64>,
        #[arg(long)]
        all_dead: bool,
        /// Who requeues, for the audit trail (default: the login name).
        #[arg(long)]
        by: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Prove the chain intact (exit 0) or name the first entry that is not (exit 1).
    Verify {
        /// Also check against a signed checkpoint written earlier.
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
    },
    /// Restore the database triggers that keep the trail append-only (the
    /// server refuses to start without them), then verify the chain.
    Protect,
    /// Write a signed checkpoint of the chain's head; keep it off this machine.
    Checkpoint {
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Add a staff account. The password comes from MINGJING_STAFF_PASSWORD or a prompt.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// intake_clerk, handler, supervisor, auditor or admin
        #[arg(long)]
        role: String,
        /// The agency's code, e.g. jn-court
        #[arg(long)]
        agency: String,
    },
}

pub fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    crate::telemetry::init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "mingjing failed");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    // A restore needs the data directory empty: before a secret is generated into it.
    if let Command::Restore { from } = &command {
        let (data_dir, database_url) = Settings::locations_from_env();
        let r = crate::backup::restore(from, &data_dir, &database_url).await?;
        println!(
            "restored the backup of {} ({} database, {} evidence file(s)) into {}; the audit trail verifies ({} entries, head at backup {}).",
            r.manifest
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            r.manifest.database,
            r.files,
            data_dir.display(),
            r.audit_entries,
            r.manifest
                .audit_head
                .as_ref()
                .map_or_else(|| "none".to_owned(), |(id, _)| format!("#{id}")),
        );
        if !r.manifest.secret_included {
            println!(
                "the secret was not in the backup (it came from MINGJING_SECRET): set the same MINGJING_SECRET before serving"
            );
        }
        println!("next: `mingjing reindex` to rebuild search, then `mingjing serve`");
        return Ok(ExitCode::SUCCESS);
    }
    let settings = Settings::from_env()?;
    match command {
        Command::Serve { demo } => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            if demo {
                seed_and_print(&store, &settings.database_url).await?;
            }
            let host = settings
                .bind
                .rsplit_once(':')
                .map_or("127.0.0.1", |(h, _)| h)
                .to_owned();
            let app = Application::build_with(settings, store, None).await?;
            let address = format!("http://{host}:{}", app.port());
            tracing::info!(address = %address, "serving; stop with Ctrl-C");
            // Scripts and tests read the real port (the bind may say :0) from this line.
            println!("Mingjing is serving on {address}");
            app.run_until_stopped().await?;
            tracing::info!("stopped");
        }
        Command::Migrate => {
            Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            println!("migrations applied");
        }
        Command::SeedDemo => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            seed_and_print(&store, &settings.database_url).await?;
        }
        Command::Staff {
            command:
                StaffCommand::Add {
                    email,
                    name,
                    role,
                    agency,
                },
        } => {
            let email = Email::parse(&email).context("that e-mail address is not valid")?;
            let role = Role::parse(&role).with_context(|| {
                format!(
                    "unknown role {role:?}; use intake_clerk, handler, supervisor, auditor or admin"
                )
            })?;
            anyhow::ensure!(!name.trim().is_empty(), "the name must not be empty");
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            let agency = store
                .agency_by_code(&agency)
                .await
                .with_context(|| format!("no agency with code {agency:?}"))?;
            let password = match std::env::var("MINGJING_STAFF_PASSWORD") {
                Ok(p) => p,
                Err(_) => rpassword::prompt_password("Password: ")?,
            };
            anyhow::ensure!(
                password_is_acceptable(&password),
                "the password must have 12 to 256 characters"
            );
            let hash = crate::auth::password::hash(&password)?;
            let staff = store
                .insert_staff(&email, name.trim(), role, agency.id, &hash)
                .await?;
            println!(
                "added staff #{} {} ({}) at {}",
                staff.id,
                staff.email,
                role.as_str(),
                agency.code
            );
        }
        Command::Reindex { check } => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            let search = crate::search::Search::new(store, settings.search_engine()?);
            search
                .engine
                .prepare(&crate::search::DEFINITIONS)
                .await
                .context("opening the search indexes")?;
            if check {
                let mut clean = true;
                for def in crate::search::DEFINITIONS.all() {
                    let diff = search.compare(def).await?;
                    println!(
                        "{}: {} in the database, {} missing from the index, {} stale, {} extra",
                        def.name, diff.expected, diff.missing, diff.stale, diff.extra
                    );
                    clean &= diff.is_clean();
                }
                return Ok(if clean {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                });
            }
            let started = std::time::Instant::now();
            let n = search.rebuild().await?;
            println!(
                "reindex ({}): {n} documents in {:.1} s",
                search.engine.name(),
                started.elapsed().as_secs_f64()
            );
        }
        Command::Sweep => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            let started = std::time::Instant::now();
            let report = crate::app::sweep::sweep(
                &store,
                crate::domain::clock::china_date(chrono::Utc::now()),
            )
            .await?;
            println!(
                "sweep: {} reminders, {} urgings, {} listings enqueued in {:.1} ms",
                report.reminders,
                report.urgings,
                report.listings,
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        Command::BenchSeed { petitions } => {
            // Synthetic rows only: loaded without a flush per commit, as the demo is.
            let store = Store::connect_for_demo_load(&settings.database_url)
                .await
                .context("opening the database")?;
            let started = std::time::Instant::now();
            crate::demo::bench_seed(&store, petitions).await?;
            println!(
                "{petitions} petitions seeded in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        Command::Rollup {
            rebuild,
            day,
            check,
        } => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            let started = std::time::Instant::now();
            if check {
                let before = store.rollup_rows().await?;
                // A rebuild in a transaction rolled back would be the check; the
                // rebuild itself is exact, so compare with one and keep it.
                store.rebuild_rollups().await?;
                let after = store.rollup_rows().await?;
                let differ = before != after;
                println!(
                    "roll-ups {} the record ({} day rows, {} month rows)",
                    if differ {
                        "DIFFERED from (now rebuilt from)"
                    } else {
                        "match"
                    },
                    after.0.len(),
                    after.1.len()
                );
                return Ok(if differ {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                });
            }
            if let Some(day) = day {
                store.recount_rollup_day(day).await?;
                println!(
                    "roll-ups of {day} recounted in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
            } else if rebuild {
                let r = store.rebuild_rollups().await?;
                println!(
                    "roll-ups rebuilt from {} events and {} met deadlines: {} day rows, {} month rows in {:.1} s",
                    r.events,
                    r.deadlines,
                    r.day_rows,
                    r.month_rows,
                    started.elapsed().as_secs_f64()
                );
            } else {
                anyhow::bail!("say what to do: --rebuild, --day YYYY-MM-DD or --check");
            }
        }
        Command::Jobs { command } => return jobs(&settings, command).await,
        Command::Backup { out } => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            let started = std::time::Instant::now();
            let m = crate::backup::backup(
                &store,
                &settings.data_dir,
                &settings.database_url,
                crate::config::secret_from_env(),
                &out,
            )
            .await?;
            println!(
                "backed up the {} database, {} evidence file(s) ({} bytes) and the keys into {} in {:.1} s; audit head #{}",
                m.database,
                m.files,
                m.file_bytes,
                out.display(),
                started.elapsed().as_secs_f64(),
                m.audit_head.as_ref().map_or(0, |(id, _)| *id)
            );
            if !m.secret_included {
                println!(
                    "the secret comes from MINGJING_SECRET and is not in the backup: keep it with the backup, apart"
                );
            }
            println!("keep this directory as secret as the database: it opens every petition");
        }
        Command::Restore { .. } => unreachable!("handled before the settings are read"),
        Command::Bulletin { month } => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            let period = crate::domain::evaluation::Period::parse(&month)
                .filter(|p| matches!(p, crate::domain::evaluation::Period::Month(..)))
                .with_context(|| format!("{month:?} is not a month (YYYY-MM)"))?;
            let r = crate::app::bulletins::generate(&store, period)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{}: {} bulletins generated ({} existed already); their mail is queued",
                period.key(),
                r.generated,
                r.existing
            );
        }
        Command::Stats { command } => return stats(&settings, command).await,
        Command::Partner { command } => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            return partner(&store, command).await;
        }
        Command::Calendar { command } => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            return calendar(&store, command).await;
        }
        Command::Agencies {
            command: AgenciesCommand::Contacts { file },
        } => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            return match crate::app::catalogue::load_contacts(&store, &text).await {
                Ok(n) => {
                    println!(
                        "contact details of {n} agencies loaded from {}",
                        file.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(crate::app::catalogue::ContactsError::Store(e)) => Err(e.into()),
                Err(refused) => {
                    eprintln!("error: {}: {refused}; nothing was loaded", file.display());
                    Ok(ExitCode::FAILURE)
                }
            };
        }
        Command::Retention {
            command,
            dry_run,
            as_of,
        } => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            return retention(&settings, &store, command, dry_run, as_of).await;
        }
        Command::Audit { command } => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            let entries = crate::audit::entries(store.conn(), None).await?;
            let key = crate::audit::checkpoint::signing_key(&settings.data_dir)?;
            match command {
                AuditCommand::Verify { checkpoint } => {
                    if let Err(broken) = crate::audit::verify(&entries) {
                        println!("audit trail BROKEN: {broken}");
                        return Ok(ExitCode::FAILURE);
                    }
                    if let Some(path) = checkpoint {
                        let text = std::fs::read_to_string(&path)
                            .with_context(|| format!("reading {}", path.display()))?;
                        let cp: crate::audit::checkpoint::Checkpoint = serde_json::from_str(&text)
                            .context("the checkpoint file is not valid")?;
                        if let Err(e) =
                            crate::audit::checkpoint::check(&cp, &key.verifying_key(), &entries)
                        {
                            println!("audit trail BROKEN: {e}");
                            return Ok(ExitCode::FAILURE);
                        }
                        println!("checkpoint of entry {} matches", cp.last_id);
                    }
                    // An intact chain on an unguarded table is not a trail to rely on.
                    let missing = crate::audit::unprotected(store.conn()).await?;
                    if !missing.is_empty() {
                        println!(
                            "audit trail UNPROTECTED: the trigger(s) {} that refuse UPDATE and DELETE on audit_log are missing or disabled; the chain verifies as far as it goes ({} entries). Restore them with `mingjing audit protect`.",
                            missing.join(", "),
                            entries.len()
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                    println!("audit trail intact: {} entries", entries.len());
                }
                AuditCommand::Protect => {
                    let restored = crate::audit::protect(store.conn()).await?;
                    if restored.is_empty() {
                        println!("the audit trail's triggers are all in place");
                    } else {
                        println!("restored: {}", restored.join(", "));
                    }
                    if let Err(broken) = crate::audit::verify(&entries) {
                        println!("audit trail BROKEN: {broken}");
                        return Ok(ExitCode::FAILURE);
                    }
                    println!("audit trail intact: {} entries", entries.len());
                }
                AuditCommand::Checkpoint { out } => {
                    if let Err(broken) = crate::audit::verify(&entries) {
                        println!("audit trail BROKEN, no checkpoint written: {broken}");
                        return Ok(ExitCode::FAILURE);
                    }
                    let cp = crate::audit::checkpoint::make(&key, &entries);
                    std::fs::write(&out, serde_json::to_string_pretty(&cp)?)
                        .with_context(|| format!("writing {}", out.display()))?;
                    println!(
                        "checkpoint of entry {} ({} entries) written to {}",
                        cp.last_id,
                        cp.entries,
                        out.display()
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn jobs(settings: &Settings, command: JobsCommand) -> anyhow::Result<ExitCode> {
    let store = Store::connect(&settings.database_url)
        .await
        .context("opening the database")?;
    match command {
        JobsCommand::List { dead, limit } => {
            let jobs = crate::app::queue::list(&store, dead, limit).await?;
            if jobs.is_empty() {
                println!(
                    "{}",
                    if dead {
                        "no dead jobs"
                    } else {
                        "no jobs waiting or dead"
                    }
                );
            }
            for j in jobs {
                let when = match (&j.given_up_at, &j.next_attempt) {
                    (Some(at), _) => format!("given up {}", at.format("%Y-%m-%d %H:%M")),
                    (None, Some(at)) => format!("next {}", at.format("%Y-%m-%d %H:%M:%S")),
                    (None, None) => String::new(),
                };
                let error: String = j
                    .last_error
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .take(100)
                    .collect();
                println!(
                    "{:>8}  {:<26} {:<7} attempts {:>3}  queued {}  {}  {}",
                    j.id,
                    j.kind,
                    j.status,
                    j.attempts,
                    j.created_at.format("%Y-%m-%d %H:%M"),
                    when,
                    error
                );
            }
        }
        JobsCommand::Retry { id, all_dead, by } => {
            let which = match (id, all_dead) {
                (Some(id), false) => crate::store::queue::Requeue::One(id),
                _ => crate::store::queue::Requeue::AllDead,
            };
            let requeued = crate::app::queue::retry(&store, which, &operator(by)).await?;
            if requeued.is_empty() {
                println!(
                    "{}",
                    match which {
                        crate::store::queue::Requeue::One(id) =>
                            format!("job {id} is not dead; nothing requeued"),
                        crate::store::queue::Requeue::AllDead =>
                            "no dead jobs; nothing requeued".to_owned(),
                    }
                );
                return Ok(ExitCode::from(if id.is_some() { 1 } else { 0 }));
            }
            println!(
                "requeued {} job(s): {}",
                requeued.len(),
                requeued
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn operator(by: Option<String>) -> String {
    by.unwrap_or_else(|| {
        format!(
            "operator:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())
        )
    })
}

async fn stats(settings: &Settings, command: StatsCommand) -> anyhow::Result<ExitCode> {
    use crate::app::statistics as s;
    match command {
        StatsCommand::Snapshot => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            let key = crate::audit::checkpoint::signing_key(&settings.data_dir)?;
            let day = crate::app::today();
            let started = std::time::Instant::now();
            let written = s::snapshot_day(&store, &key, day)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{day}: {} in {:.1} s",
                if written {
                    "snapshot made and signed"
                } else {
                    "the snapshot exists already; kept as it was"
                },
                started.elapsed().as_secs_f64()
            );
        }
        StatsCommand::Verify {
            file,
            signature,
            key,
        } => {
            let body =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let sig_path = signature.unwrap_or_else(|| {
                let mut p = file.clone().into_os_string();
                p.push(".sig");
                p.into()
            });
            let sig_bytes = std::fs::read(&sig_path)
                .with_context(|| format!("reading {}", sig_path.display()))?;
            let verifying = match key {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    read_public_key(&text).with_context(|| {
                        format!("{} is not an ed25519 public key", path.display())
                    })?
                }
                None => crate::audit::checkpoint::signing_key(&settings.data_dir)?.verifying_key(),
            };
            let outcome =
                s::read_signature(&sig_bytes).and_then(|sig| s::verify(&body, &sig, &verifying));
            use sha2::Digest;
            let sha = hex::encode(sha2::Sha256::digest(&body));
            match outcome {
                Ok(()) => println!(
                    "{}: signature valid (key {}), sha256 {sha}",
                    file.display(),
                    hex::encode(verifying.to_bytes())
                ),
                Err(e) => {
                    println!("{}: NOT VALID: {e}", file.display());
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A public key as PEM (SubjectPublicKeyInfo) or 64 hex digits.
fn read_public_key(text: &str) -> anyhow::Result<ed25519_dalek::VerifyingKey> {
    use ed25519_dalek::pkcs8::DecodePublicKey;
    let t = text.trim();
    if t.starts_with("-----BEGIN") {
        return Ok(ed25519_dalek::VerifyingKey::from_public_key_pem(t)?);
    }
    let bytes: [u8; 32] = hex::decode(t)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("not 32 bytes"))?;
    Ok(ed25519_dalek::VerifyingKey::from_bytes(&bytes)?)
}

async fn partner(store: &Store, command: PartnerCommand) -> anyhow::Result<ExitCode> {
    match command {
        PartnerCommand::Add {
            name,
            requests_per_minute,
            by,
        } => {
            let (p, key) =
                crate::app::open311::add_partner(store, &name, requests_per_minute, &operator(by))
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "partner {} ({}) added, {} requests a minute",
                p.id, p.name, p.requests_per_minute
            );
            println!("api_key: {key}");
            println!("(shown once: only its hash is kept)");
        }
        PartnerCommand::List => {
            for p in store.partners().await? {
                println!(
                    "{}\t{}\t{}/min\tcreated {}\t{}",
                    p.id,
                    p.name,
                    p.requests_per_minute,
                    p.created_at.format("%Y-%m-%d"),
                    p.revoked_at.map_or_else(
                        || "active".to_owned(),
                        |t| format!("revoked {}", t.format("%Y-%m-%d"))
                    )
                );
            }
        }
        PartnerCommand::Revoke { id, by } => {
            if store.revoke_partner(id, &operator(by)).await? {
                println!("partner {id}: key revoked");
            } else {
                println!("no active partner {id}");
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn seed_and_print(store: &Store, database_url: &str) -> anyhow::Result<()> {
    match crate::demo::seed(store).await? {
        Some(summary) => {
            print!("{summary}");
            let started = std::time::Instant::now();
            // Thousands of acts, each its own commit: on a connection that does not
            // flush each one (demo rows only), closed before the server opens.
            let loader = Store::connect_for_demo_load(database_url)
                .await
                .context("opening the database for the demo history")?;
            let history = crate::demo::history::seed(&loader, crate::app::today(), 12).await?;
            loader.close().await?;
            println!(
                "A year of handling: {} petitions, {} acts ({:.1} s).",
                history.petitions,
                history.acts,
                started.elapsed().as_secs_f64()
            );
            println!(
                "Supervisors, auditors and administrators set up a second factor (a TOTP authenticator app) at first sign-in; MINGJING_SECOND_FACTOR=none skips it for a quick look."
            );
        }
        None => println!("the database already holds agencies; demo data not added"),
    }
    Ok(())
}

async fn retention(
    settings: &Settings,
    store: &Store,
    command: Option<RetentionCommand>,
    dry_run: bool,
    as_of: Option<chrono::NaiveDate>,
) -> anyhow::Result<ExitCode> {
    use crate::app::retention;
    match command {
        Some(RetentionCommand::Load { file, by }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let by = operator(by);
            match retention::load(store, &text, &by).await {
                Ok(schedule) => {
                    println!(
                        "the retention schedule of {} ({} rules) is in force, loaded by {by}",
                        file.display(),
                        schedule.rules.len()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(retention::LoadError::Store(e)) => Err(e.into()),
                Err(refused) => {
                    eprintln!("error: {}: {refused}", file.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Some(RetentionCommand::Show) => {
            let in_force = retention::in_force(store).await?;
            match (&in_force.loaded_by, in_force.loaded_at) {
                (Some(by), Some(at)) => println!(
                    "schedule loaded by {by} on {}",
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
                _ => println!("the shipped schedule (none loaded)"),
            }
            for r in &in_force.schedule.rules {
                let or_all = |v: Vec<&str>| {
                    if v.is_empty() {
                        "all".to_owned()
                    } else {
                        v.join(",")
                    }
                };
                println!(
                    "{}: {} {} year(s) after the conclusion; kinds {}; outcomes {} — {}",
                    r.id,
                    r.action.as_str(),
                    r.after_years,
                    or_all(r.kinds.iter().map(|k| k.as_str()).collect()),
                    or_all(r.outcomes.iter().map(|o| o.as_str()).collect()),
                    r.explanation_en
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let files = settings.file_store(store);
            let today = as_of.unwrap_or_else(crate::app::today);
            let report = retention::run(
                store,
                files.as_ref(),
                today,
                dry_run,
                &format!("operator:{}", operator(None)),
            )
            .await?;
            for step in &report.steps {
                println!(
                    "{} {} (rule {})",
                    crate::domain::codes::TrackingNumber::parse(&step.tracking_number)
                        .map_or_else(|_| step.tracking_number.clone(), |t| t.display()),
                    step.action.as_str(),
                    step.rule
                );
            }
            let (anonymise, delete) = (
                report.count(crate::domain::retention::Action::Anonymise),
                report.count(crate::domain::retention::Action::DeleteFiles),
            );
            if dry_run {
                println!(
                    "dry run as of {today}: {anonymise} petition(s) would be anonymised, the files of {delete} deleted; nothing was changed"
                );
            } else {
                println!(
                    "{} petition(s) anonymised, the files of {} deleted ({} stored file(s) removed)",
                    report.anonymised, report.files_deleted, report.blobs_removed
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn calendar(store: &Store, command: CalendarCommand) -> anyhow::Result<ExitCode> {
    match command {
        CalendarCommand::Import { file, by, replace } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let by = by
                .or_else(|| std::env::var("USER").ok())
                .filter(|b| !b.trim().is_empty())
                .context("say who loads the calendar with --by NAME")?;
            match crate::app::calendar::load(store, &text, by.trim(), replace).await {
                Ok(report) => {
                    for y in &report.years {
                        println!(
                            "{}: loaded ({} holiday dates, {} make-up working days), notice {} of {}, by {}",
                            y.year,
                            y.holidays.len(),
                            y.makeup_workdays.len(),
                            y.notice,
                            y.notice_date,
                            by.trim()
                        );
                    }
                    println!(
                        "the calendar now ends with {}; {} provisional deadlines counted again, {} moved later",
                        report.last_year, report.recount.counted, report.recount.moved
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(crate::app::calendar::LoadError::Store(e)) => Err(e.into()),
                Err(refused) => {
                    eprintln!("error: {}: {refused}", file.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CalendarCommand::Show => {
            let calendar = store.calendar().await?;
            let loaded = store.loaded_calendar_years().await?;
            for y in calendar.years() {
                let origin = loaded.iter().find(|l| l.year.year == y.year).map_or_else(
                    || "shipped".to_owned(),
                    |l| {
                        format!(
                            "loaded by {} at {}",
                            l.loaded_by,
                            l.loaded_at.format("%Y-%m-%d %H:%M UTC")
                        )
                    },
                );
                println!(
                    "{}: notice {} of {} — {} holiday dates, {} make-up working days ({origin})",
                    y.year,
                    y.notice,
                    y.notice_date,
                    y.holidays.len(),
                    y.makeup_workdays.len()
                );
            }
            if let Some(w) = calendar.warning(crate::app::today()) {
                println!(
                    "warning: the calendar ends on {} ({} days); load the arrangement for {}",
                    w.ends_on,
                    w.days_left,
                    w.last_year + 1
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
