//! The platforms' earnings parser, Csv: no panic on any input, the parser's own invariants
//! (asserted in `flexpension_store::fuzzing`), and the same result whatever the chunk size.
#![no_main]

use flexpension_fuzz::NOW_US;
use flexpension_store::Format;
use flexpension_store::fuzzing::parse_earnings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: flexpension_fuzz::init(), |data: &[u8]| {
    let whole = parse_earnings(data, Format::Csv, 4096, NOW_US);
    let small = parse_earnings(data, Format::Csv, 3, NOW_US);
    match (whole, small) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the chunk size changed what was parsed"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("the chunk size changed the outcome: {a:?} vs {b:?}"),
    }
});
