//! `jiuzhu-bench pin`: what one offline PIN guess costs against a copied `keys.json` made with
//! today's argon2id parameters (issue 13 point 5), and what searching every PIN of six digits
//! costs on one core. The guess is the derivation the tablet itself runs at unlock; an attacker
//! with the file does exactly this per PIN (the unwrap after it is negligible).

use jiuzhu_tablet_core::vault::{self, ARGON2_M_KIB, ARGON2_P, ARGON2_T};
use std::time::Instant;

/// Guesses timed (after one warm-up), each on its own: the fastest is the cost on an idle core
/// (other builds share this machine), the median what a busy one gives.
const GUESSES: usize = 20;

pub fn run() -> anyhow::Result<()> {
    let salt = [7u8; 16];
    vault::guess_cost_once("000000", &salt)?;
    let mut times = Vec::with_capacity(GUESSES);
    for i in 0..GUESSES {
        let start = Instant::now();
        vault::guess_cost_once(&format!("{i:06}"), &salt)?;
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let (fastest, median) = (times[0], times[GUESSES / 2]);
    println!(
        "pin: argon2id m={} MiB t={ARGON2_T} p={ARGON2_P}: {:.0} ms per guess on one core (fastest of {GUESSES}; median {:.0} ms)",
        ARGON2_M_KIB / 1024,
        fastest * 1e3,
        median * 1e3
    );
    println!(
        "pin: all 10^6 six-digit PINs on one core: {:.1} days (half that on average); 10^4 four-digit PINs: {:.0} min",
        fastest * 1e6 / 86_400.0,
        fastest * 1e4 / 60.0
    );
    Ok(())
}
