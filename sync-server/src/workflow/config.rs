//! The region's workflow configuration in the data directory: `workflow.toml` (options: who
//! decides, 民主评议, 公示 length, hotline, quorum rules) and `calendar.toml` (holidays and 调休
//! make-up workdays). Read per request, like the income rules, so a change takes effect at once.
//! Without a calendar file only weekends are days off, and the console says so.

use jiuzhu_shared::workflow::{Calendar, Options};
use std::path::{Path, PathBuf};

/// The example calendar and options, installed by `serve --demo` when none is present.
pub const EXAMPLE_CALENDAR: &str = include_str!("../../../config/calendars/example-2026.toml");
pub const EXAMPLE_OPTIONS: &str = include_str!("../../../config/workflow/example.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {error}")]
    Invalid { path: String, error: String },
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug, Clone, Default)]
pub struct WorkflowConfig {
    pub options: Options,
    pub calendar: Calendar,
    /// Whether a holiday calendar is installed (without one, holidays count as working days).
    pub has_calendar: bool,
    /// Whether notices are sent (`notify.toml` present): a ballot link is kept for sending only
    /// then, since the outbox holds it in clear until it is sent.
    pub notify: bool,
}

pub fn options_path(root: &Path) -> PathBuf {
    root.join("workflow.toml")
}

pub fn calendar_path(root: &Path) -> PathBuf {
    root.join("calendar.toml")
}

fn read(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn invalid(path: &Path, error: impl ToString) -> ConfigError {
    ConfigError::Invalid {
        path: path.display().to_string(),
        error: error.to_string(),
    }
}

pub fn load(root: &Path) -> Result<WorkflowConfig, ConfigError> {
    let mut config = WorkflowConfig::default();
    let op = options_path(root);
    if let Some(text) = read(&op)? {
        config.options = Options::from_toml(&text).map_err(|e| invalid(&op, e))?;
    }
    let cp = calendar_path(root);
    if let Some(text) = read(&cp)? {
        config.calendar = Calendar::from_toml(&text).map_err(|e| invalid(&cp, e))?;
        config.has_calendar = true;
    }
    config.notify = root.join(crate::notify::config::CONFIG_FILE).exists();
    Ok(config)
}

/// Check and install a file (`admin set-workflow` / `set-calendar`), written atomically.
pub fn install(root: &Path, which: Which, text: &str) -> Result<(), ConfigError> {
    let path = match which {
        Which::Options => {
            Options::from_toml(text).map_err(|e| invalid(Path::new("workflow options"), e))?;
            options_path(root)
        }
        Which::Calendar => {
            Calendar::from_toml(text).map_err(|e| invalid(Path::new("calendar"), e))?;
            calendar_path(root)
        }
    };
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

#[derive(Debug, Clone, Copy)]
pub enum Which {
    Options,
    Calendar,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_parse_and_missing_files_mean_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let c = load(dir.path()).unwrap();
        assert!(!c.has_calendar);
        install(dir.path(), Which::Calendar, EXAMPLE_CALENDAR).unwrap();
        install(dir.path(), Which::Options, EXAMPLE_OPTIONS).unwrap();
        let c = load(dir.path()).unwrap();
        assert!(c.has_calendar && !c.calendar.holidays.is_empty());
        let err = install(dir.path(), Which::Options, "decider = 'nobody'").unwrap_err();
        assert!(err.to_string().contains("decider"), "{err}");
    }
}
