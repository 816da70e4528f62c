//! Receipts: what a host call asked, what it answered, under which policy and with which
//! evidence, signed by the executor. The receipts of one run form a hash chain, so dropping,
//! reordering or changing one breaks every later link.

use crate::call::HostCallKind;
use crate::canonical::{hash, Writer};

/// The verification policy a call ran under (innermost `verification:` of its step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    None = 0,
    Onchain = 1,
    Tee = 2,
    Shadow = 3,
}

impl Policy {
    /// The policy's name as workflows write it (`none`, `onchain`, `tee`, `shadow`).
    pub const fn name(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::Onchain => "onchain",
            Policy::Tee => "tee",
            Policy::Shadow => "shadow",
        }
    }

    /// Returns the policy named `name`.
    pub fn from_name(name: &str) -> Option<Policy> {
        [Policy::None, Policy::Onchain, Policy::Tee, Policy::Shadow].into_iter().find(|p| p.name() == name)
    }
}

/// What backs a result beyond the executor's word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    None,
    /// A TEE attestation whose report data binds (code hash, request hash, response hash).
    Tee {
        attestation: Vec<u8>,
    },
    /// Response hashes reported by shadow executors, with their keys.
    Shadow {
        votes: Vec<([u8; 32], [u8; 32])>,
    },
}

/// One recorded host call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub version: u16,
    pub run_id: [u8; 32],
    pub job: String,
    pub step: u32,
    pub call_index: u64,
    pub call_kind: HostCallKind,
    pub request_hash: [u8; 32],
    pub response_hash: [u8; 32],
    pub gas_used: u64,
    pub policy: Policy,
    pub evidence: Evidence,
    /// The executor's ed25519 public key.
    pub executor_key: [u8; 32],
    /// The hash of the run's previous receipt; all zeros for the first.
    pub prev_receipt_hash: [u8; 32],
    /// The executor's ed25519 signature over [`Receipt::signing_bytes`].
    pub signature: [u8; 64],
}

/// Why a sequence of receipts is not a valid chain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptChainError {
    #[error("receipt {index} belongs to another run")]
    OtherRun { index: usize },
    #[error("receipt {index} has call index {found}, expected {expected}")]
    CallIndex { index: usize, found: u64, expected: u64 },
    #[error("receipt {index} does not link to the receipt before it")]
    BrokenLink { index: usize },
    #[error("the receipt of call {call_index} names no valid ed25519 key")]
    BadKey { call_index: u64 },
    #[error("the signature of the receipt of call {call_index} does not verify")]
    BadSignature { call_index: u64 },
}

impl Receipt {
    /// Returns the canonical bytes of every field but the signature: what the executor signs.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(u32::from(self.version));
        w.bytes.extend_from_slice(&self.run_id);
        w.str(&self.job);
        w.u32(self.step);
        w.u64(self.call_index);
        w.u8(self.call_kind as u8);
        w.bytes.extend_from_slice(&self.request_hash);
        w.bytes.extend_from_slice(&self.response_hash);
        w.u64(self.gas_used);
        w.u8(self.policy as u8);
        match &self.evidence {
            Evidence::None => w.u8(0),
            Evidence::Tee { attestation } => {
                w.u8(1);
                w.bytes(attestation);
            }
            Evidence::Shadow { votes } => {
                w.u8(2);
                w.len(votes.len());
                for (key, response) in votes {
                    w.bytes.extend_from_slice(key);
                    w.bytes.extend_from_slice(response);
                }
            }
        }
        w.bytes.extend_from_slice(&self.executor_key);
        w.bytes.extend_from_slice(&self.prev_receipt_hash);
        w.bytes
    }

    /// Returns the receipt's hash, which the next receipt links to (signature included, so a
    /// re-signed receipt is a different receipt).
    pub fn hash(&self) -> [u8; 32] {
        let mut bytes = self.signing_bytes();
        bytes.extend_from_slice(&self.signature);
        hash("w3/receipt/v1", &bytes)
    }
}

impl Receipt {
    /// Sets `executor_key` to `key`'s public key and signs the receipt with it.
    pub fn sign(&mut self, key: &ed25519_dalek::SigningKey) {
        use ed25519_dalek::Signer;
        self.executor_key = key.verifying_key().to_bytes();
        self.signature = key.sign(&self.signing_bytes()).to_bytes();
    }

    /// Checks the signature against `executor_key`.
    pub fn verify_signature(&self) -> Result<(), ReceiptChainError> {
        let key = ed25519_dalek::VerifyingKey::from_bytes(&self.executor_key)
            .map_err(|_| ReceiptChainError::BadKey { call_index: self.call_index })?;
        let signature = ed25519_dalek::Signature::from_bytes(&self.signature);
        key.verify_strict(&self.signing_bytes(), &signature)
            .map_err(|_| ReceiptChainError::BadSignature { call_index: self.call_index })
    }

    /// Returns the receipt's canonical bytes: the signed fields, then the signature.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = self.signing_bytes();
        bytes.extend_from_slice(&self.signature);
        bytes
    }
}

/// Checks that `receipts` are one run's calls in order, each linked to the one before and
/// signed by its executor.
pub fn verify_signed_chain(receipts: &[Receipt]) -> Result<(), ReceiptChainError> {
    verify_chain(receipts)?;
    receipts.iter().try_for_each(Receipt::verify_signature)
}

/// Checks that `receipts` are one run's calls in order, each linked to the one before.
/// Signatures are checked by [`verify_signed_chain`].
pub fn verify_chain(receipts: &[Receipt]) -> Result<(), ReceiptChainError> {
    let mut prev = [0u8; 32];
    for (index, r) in receipts.iter().enumerate() {
        if r.run_id != receipts[0].run_id {
            return Err(ReceiptChainError::OtherRun { index });
        }
        if r.call_index != index as u64 {
            return Err(ReceiptChainError::CallIndex { index, found: r.call_index, expected: index as u64 });
        }
        if r.prev_receipt_hash != prev {
            return Err(ReceiptChainError::BrokenLink { index });
        }
        prev = r.hash();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<Receipt> {
        let mut out: Vec<Receipt> = Vec::new();
        for i in 0..n {
            let prev = out.last().map_or([0; 32], Receipt::hash);
            out.push(Receipt {
                version: 1,
                run_id: [7; 32],
                job: "monitor".into(),
                step: 1,
                call_index: i,
                call_kind: HostCallKind::HttpRequest,
                request_hash: [i as u8; 32],
                response_hash: [2; 32],
                gas_used: 10,
                policy: Policy::Tee,
                evidence: Evidence::Tee { attestation: vec![1, 2, 3] },
                executor_key: [3; 32],
                prev_receipt_hash: prev,
                signature: [0; 64],
            });
        }
        out
    }

    #[test]
    fn signatures_verify_and_any_change_breaks_them() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let mut c = chain(3);
        let mut prev = [0; 32];
        for r in &mut c {
            r.prev_receipt_hash = prev;
            r.sign(&key);
            prev = r.hash();
        }
        assert_eq!(verify_signed_chain(&c), Ok(()));
        let mut bad = c.clone();
        bad[2].gas_used += 1;
        assert_eq!(verify_signed_chain(&bad), Err(ReceiptChainError::BadSignature { call_index: 2 }));
        let mut bad = c.clone();
        bad[1].signature[0] ^= 1;
        assert_eq!(verify_signed_chain(&bad), Err(ReceiptChainError::BrokenLink { index: 2 }));
        let mut bad = c;
        bad[2].executor_key = ed25519_dalek::SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes();
        assert_eq!(verify_signed_chain(&bad), Err(ReceiptChainError::BadSignature { call_index: 2 }));
    }

    #[test]
    fn chains_verify_and_tampering_breaks_them() {
        let mut c = chain(4);
        assert_eq!(verify_chain(&c), Ok(()));
        c[1].gas_used += 1;
        assert_eq!(verify_chain(&c), Err(ReceiptChainError::BrokenLink { index: 2 }));
        let mut c = chain(3);
        c.swap(1, 2);
        assert!(verify_chain(&c).is_err());
        let mut c = chain(2);
        c[1].run_id = [8; 32];
        assert_eq!(verify_chain(&c), Err(ReceiptChainError::OtherRun { index: 1 }));
    }
}
