//! `backup` and `restore`: the installation copied while it serves, and
//! brought back into an empty directory and database.

use super::open;
use crate::config::Settings;
use std::process::ExitCode;

pub(super) async fn backup(settings: &Settings, out: &std::path::Path) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    let started = std::time::Instant::now();
    let m = crate::backup::backup(
        &store,
        &settings.data_dir,
        &settings.database_url,
        crate::config::secret_from_env(),
        out,
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
    Ok(ExitCode::SUCCESS)
}

/// Before the settings are read: a restore needs the data directory empty,
/// before a secret is generated into it.
pub(super) async fn restore(from: &std::path::Path) -> anyhow::Result<ExitCode> {
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
    Ok(ExitCode::SUCCESS)
}
