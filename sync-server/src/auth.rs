//! Credentials: one-time enrollment codes and device bearer tokens. Both are random and only their
//! SHA-256 is stored (high-entropy secrets need no slow hash; a stolen database reveals none).

use rand::Rng;
use sha2::Digest;

/// Enrollment codes are typed on a tablet: 12 characters from an alphabet without look-alikes
/// (no 0/O, 1/I/L), grouped for reading aloud: `K7QM-3WXD-9FTR`. 31^12 ≈ 2^59 possibilities.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

pub fn new_enroll_code() -> String {
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..12)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Normalise what a person typed: case, spaces and dashes do not matter.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

pub fn hash_code(code: &str) -> String {
    hash(&normalize_code(code))
}

pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

pub fn hash(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_normalise() {
        let c = new_enroll_code();
        assert_eq!(c.len(), 14);
        assert!(
            c.chars()
                .all(|ch| ch == '-' || CODE_ALPHABET.contains(&(ch as u8)))
        );
        assert_eq!(
            hash_code(&c.to_lowercase().replace('-', " ")),
            hash_code(&c)
        );
        assert_ne!(new_token(), new_token());
    }
}
