//! `jiuzhu-rules assess --config region.toml household.json [--json] [--date YYYY-MM-DD]`:
//! reads a regional configuration and a household (the JSON form of `shared::rules::Household`)
//! and prints the proposal with its explanation.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use jiuzhu_shared::rules::{Date, Household, RegionConfig, assess};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "jiuzhu-rules",
    about = "Income and eligibility determination: prints a proposal, never a decision"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Assess one household and explain every step (in Chinese).
    Assess {
        /// Regional configuration (TOML), e.g. config/regions/example.toml.
        #[arg(long)]
        config: PathBuf,
        /// Household JSON, e.g. config/examples/household.json.
        household: PathBuf,
        /// Print the proposal as JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Assess as on this date (selects the rule version in force); default: today in Beijing time.
        #[arg(long)]
        date: Option<Date>,
    },
}

fn today() -> Result<Date> {
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
    Ok(Date::new(now.year(), now.month() as u8, now.day())?)
}

fn main() -> Result<()> {
    let Command::Assess {
        config,
        household,
        json,
        date,
    } = Cli::parse().command;
    let text = std::fs::read_to_string(&config)
        .with_context(|| format!("cannot read the configuration {}", config.display()))?;
    let config_file = RegionConfig::from_toml(&text)
        .with_context(|| format!("configuration {} refused", config.display()))?;
    let data = std::fs::read_to_string(&household)
        .with_context(|| format!("cannot read the household {}", household.display()))?;
    let household_data: Household = serde_json::from_str(&data).with_context(|| {
        format!(
            "{} is not a household (see config/examples/household.json)",
            household.display()
        )
    })?;
    let on = match date {
        Some(d) => d,
        None => today()?,
    };
    let proposal = assess(&config_file, &household_data, on)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&proposal)?);
    } else {
        print!("{}", proposal.to_text());
    }
    Ok(())
}
