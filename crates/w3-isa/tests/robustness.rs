//! Property tests that no input makes decoding, verification or disassembly panic, and that
//! every accepted byte string is canonical.

mod common;
#[path = "common/strategies.rs"]
mod strategies;

use proptest::collection::vec;
use proptest::prelude::*;
use w3_isa::{disassemble, verify, Module, VerifiedModule};

/// Decodes `bytes`; when accepted, checks it re-encodes to the same bytes and verifies or
/// fails cleanly.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(module) = Module::decode(bytes) {
        prop_assert_eq!(module.encode(), bytes, "accepted bytes must be canonical");
        let _ = verify(&module);
        let _ = disassemble(&module, &[]);
    }
    let _ = VerifiedModule::decode(bytes);
    Ok(())
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Word(usize, u32),
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match *m {
            Mutation::Flip(at, mask) => {
                if let Some(b) = bytes.get_mut(at % len) {
                    *b ^= mask.max(1);
                }
            }
            Mutation::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
            Mutation::Delete(at) => {
                if !bytes.is_empty() {
                    bytes.remove(at % len);
                }
            }
            Mutation::Word(at, w) => {
                let at = at % len;
                for (i, b) in w.to_le_bytes().into_iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(at + i) {
                        *slot = b;
                    }
                }
            }
        }
    }
    bytes
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Flip(a, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Insert(a, b)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), prop_oneof![any::<u32>(), 0u32..16, Just(u32::MAX)]).prop_map(|(a, w)| Mutation::Word(a, w)),
    ]
}

fn samples() -> Vec<Vec<u8>> {
    common::cases().into_iter().map(|c| c.module.encode()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn random_bytes_never_panic(bytes in vec(any::<u8>(), 0..256)) {
        check(&bytes)?;
    }

    #[test]
    fn random_bytes_after_a_valid_header_never_panic(tail in vec(any::<u8>(), 0..256)) {
        let mut bytes = samples()[0][..10].to_vec();
        bytes.extend(tail);
        check(&bytes)?;
    }

    #[test]
    fn mutated_samples_never_panic(
        sample in 0usize..6,
        mutations in vec(mutation(), 1..4),
    ) {
        let samples = samples();
        let bytes = mutate(samples[sample % samples.len()].clone(), &mutations);
        check(&bytes)?;
    }

    #[test]
    fn mutated_valid_modules_never_panic(
        module in strategies::valid_module(),
        mutations in vec(mutation(), 1..4),
    ) {
        check(&mutate(module.encode(), &mutations))?;
    }
}
