//! Property tests of the codec and the verifier's block analysis.

#[path = "common/strategies.rs"]
mod strategies;

use proptest::prelude::*;
use strategies::{any_module, valid_module};
use w3_isa::{verify, GasSchedule, Module};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_inverts_encode(module in any_module()) {
        let bytes = module.encode();
        prop_assert_eq!(Module::decode(&bytes), Ok(module.clone()));
        prop_assert_eq!(module.encode(), bytes, "encoding is deterministic");
        prop_assert_eq!(module.content_hash(), module.clone().content_hash());
    }

    #[test]
    fn arbitrary_modules_verify_or_fail_cleanly(module in any_module()) {
        let _ = verify(&module);
        let _ = w3_isa::disassemble(&module, &[]);
    }

    #[test]
    fn valid_modules_verify_with_consistent_blocks(module in valid_module()) {
        let verified = verify(&module);
        prop_assert!(verified.is_ok(), "{:?}", verified.err());
        let verified = verified.unwrap();
        let schedule = GasSchedule::for_version(module.header.gas_version).unwrap();
        let f = &verified.functions()[0];
        let instrs = f.instructions();
        // Blocks tile the instructions in order, starting at offset 0.
        let mut next = 0u32;
        for (i, block) in f.blocks().iter().enumerate() {
            prop_assert_eq!(block.first, next);
            prop_assert!(block.len > 0);
            next += block.len;
            let body = f.block_instructions(block);
            prop_assert_eq!(body[0].offset, block.start);
            prop_assert_eq!(block.gas, schedule.block_gas(f, block));
            // Only the last instruction of a block may end it.
            for instr in &body[..body.len() - 1] {
                prop_assert!(!instr.op.info().ends_block, "{} inside block {}", instr.op.name(), i);
            }
        }
        prop_assert_eq!(next as usize, instrs.len());
        // Every jump target starts a block.
        for instr in instrs {
            if let Some(target) = instr.op.target() {
                prop_assert!(f.block_at(target.0).is_some(), "target {} is not a leader", target.0);
            }
        }
        prop_assert!(instrs.last().unwrap().op.info().terminator);
    }
}
