//! Encryption at rest for identity-provider client secrets (AES-256-GCM), and the key it
//! uses: from the configuration, or generated into the data directory on first start.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, KeyInit, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use secrecy::{ExposeSecret, SecretBox, SecretString};

/// The name of the generated key file in the data directory.
pub const KEY_FILE: &str = "secret.key";
/// Format marker of stored ciphertexts, so that the scheme can change later.
const VERSION: &str = "v1:";
/// Associated data: a ciphertext only decrypts as a client secret.
const PURPOSE: &[u8] = b"maillage identity provider client secret";

/// Why the key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("secret_key (MAILLAGE_SECRET_KEY): {0}")]
    Invalid(String),
    #[error("cannot read or create the key file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
}

/// Encrypts and decrypts secrets with one 256-bit key. Its `Debug` shows nothing.
pub struct SecretCipher {
    key: SecretBox<[u8; 32]>,
}

impl std::fmt::Debug for SecretCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretCipher(..)")
    }
}

impl SecretCipher {
    /// A key for another purpose derived from this one (HMAC-SHA256 of `purpose`), so that
    /// replicas sharing the key share it too.
    pub fn derive_key(&self, purpose: &[u8]) -> [u8; 32] {
        use hmac::Mac as _;
        let mut key = [0u8; 32];
        if let Ok(mut mac) = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(self.key.expose_secret()) {
            mac.update(purpose);
            key.copy_from_slice(&mac.finalize().into_bytes());
        }
        key
    }

    /// A cipher over a base64-encoded 32-byte key.
    pub fn from_base64(encoded: &str) -> Result<Self, KeyError> {
        let bytes = STANDARD
            .decode(encoded.trim())
            .map_err(|_| KeyError::Invalid("must be 32 bytes encoded in base64".into()))?;
        let key: [u8; 32] =
            bytes.try_into().map_err(|_| KeyError::Invalid("must be 32 bytes encoded in base64".into()))?;
        Ok(Self { key: SecretBox::new(Box::new(key)) })
    }

    /// The configured key if there is one, else the key file of the data directory,
    /// created (readable by its owner only) when missing.
    pub fn load(configured: Option<&SecretString>, data_dir: &Path) -> Result<Self, KeyError> {
        if let Some(key) = configured {
            return Self::from_base64(key.expose_secret());
        }
        let path = data_dir.join(KEY_FILE);
        let file_error = |source| KeyError::File { path: path.clone(), source };
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_base64(&text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).map_err(|e| KeyError::Invalid(format!("random source: {e}")))?;
                crate::db::private_dir(data_dir).map_err(file_error)?;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(&path).map_err(file_error)?;
                file.write_all(STANDARD.encode(key).as_bytes()).map_err(file_error)?;
                tracing::info!(path = %path.display(), "generated the key that encrypts identity-provider secrets");
                Ok(Self { key: SecretBox::new(Box::new(key)) })
            }
            Err(err) => Err(file_error(err)),
        }
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&Key::<Aes256Gcm>::from(*self.key.expose_secret()))
    }

    /// `v1:` + base64(nonce ‖ ciphertext).
    pub fn encrypt(&self, secret: &str) -> Result<String, String> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| format!("random source: {e}"))?;
        let sealed = self
            .cipher()
            .encrypt(&Nonce::from(nonce), Payload { msg: secret.as_bytes(), aad: PURPOSE })
            .map_err(|_| "encryption failed".to_owned())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{VERSION}{}", STANDARD.encode(out)))
    }

    /// The secret sealed by [`Self::encrypt`]; fails on another key or altered data.
    pub fn decrypt(&self, stored: &str) -> Result<SecretString, String> {
        let encoded = stored.strip_prefix(VERSION).ok_or("unknown secret format")?;
        let bytes = STANDARD.decode(encoded).map_err(|_| "secret is not base64")?;
        if bytes.len() < 12 {
            return Err("secret is truncated".into());
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| "secret is truncated")?;
        let plain = self
            .cipher()
            .decrypt(&Nonce::from(nonce), Payload { msg: sealed, aad: PURPOSE })
            .map_err(|_| "the secret does not decrypt with this key (was secret_key changed?)".to_owned())?;
        String::from_utf8(plain).map(SecretString::from).map_err(|_| "secret is not UTF-8".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_do_not_appear_in_the_ciphertext() {
        let dir = tempfile::tempdir().expect("dir");
        let cipher = SecretCipher::load(None, dir.path()).expect("generate");
        let sealed = cipher.encrypt("s3cr3t-value").expect("encrypt");
        assert!(!sealed.contains("s3cr3t"));
        assert_ne!(sealed, cipher.encrypt("s3cr3t-value").expect("encrypt"), "fresh nonce each time");
        assert_eq!(cipher.decrypt(&sealed).expect("decrypt").expose_secret(), "s3cr3t-value");
        // The same key file is read back on the next start.
        let again = SecretCipher::load(None, dir.path()).expect("load");
        assert_eq!(again.decrypt(&sealed).expect("decrypt").expose_secret(), "s3cr3t-value");
        // Another key cannot read it, and tampering is detected.
        let other = SecretCipher::from_base64(&STANDARD.encode([7u8; 32])).expect("key");
        assert!(other.decrypt(&sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(cipher.decrypt(&tampered).is_err());
    }

    #[test]
    fn a_bad_configured_key_is_refused_with_its_setting_named() {
        let err = SecretCipher::from_base64("c2hvcnQ=").expect_err("too short");
        assert!(err.to_string().contains("MAILLAGE_SECRET_KEY"), "{err}");
    }
}
