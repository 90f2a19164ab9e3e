//! What the property tests ("fuzzing in the test suite", #13) share: each
//! property runs a few hundred deterministic cases in `cargo test`, and as
//! many random cases as `PROPTEST_CASES` asks for (20,000 by default) in an
//! ignored long run:
//! `PROPTEST_CASES=100000 cargo test --lib fuzz -- --ignored`.

use std::fmt::Debug;

use proptest::strategy::{BoxedStrategy, Strategy};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// Cases each property runs in `cargo test` (debug build: a few seconds).
pub const QUICK_CASES: u32 = 200;

/// Cases of the ignored long run when `PROPTEST_CASES` is not set.
const LONG_CASES: u32 = 20_000;

/// Runs `property` over `strategy`: `QUICK_CASES` cases from a fixed seed,
/// or with `long`, `PROPTEST_CASES` cases from a random one. Panics with
/// the smallest failing input found.
pub fn check<S>(long: bool, strategy: &S, property: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let cases = if long {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(LONG_CASES)
    } else {
        QUICK_CASES
    };
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = if long {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    };
    if let Err(failure) = runner.run(strategy, property) {
        panic!("{failure}");
    }
}

/// Text made of up to `max` pieces, each one of `fragments` or a few
/// arbitrary characters: close enough to the format to reach deep into a
/// parser, random enough to break it.
pub fn text_of(fragments: &'static [&'static str], max: usize) -> BoxedStrategy<String> {
    use proptest::prelude::*;
    let piece = prop_oneof![
        4 => proptest::sample::select(fragments).prop_map(str::to_owned),
        1 => proptest::collection::vec(any::<char>(), 0..4).prop_map(String::from_iter),
    ];
    proptest::collection::vec(piece, 0..max)
        .prop_map(|pieces| pieces.concat())
        .boxed()
}

/// Declares a property as two tests: `quick` (in `cargo test`) and `long`
/// (ignored; run on purpose).
macro_rules! fuzz {
    ($name:ident, $strategy:expr, $property:expr) => {
        mod $name {
            #[allow(clippy::wildcard_imports, reason = "the property's module")]
            use super::*;

            #[test]
            fn quick() {
                crate::fuzz_support::check(false, &$strategy, $property);
            }

            #[test]
            #[ignore = "long run: PROPTEST_CASES=100000 cargo test --lib fuzz -- --ignored"]
            fn long() {
                crate::fuzz_support::check(true, &$strategy, $property);
            }
        }
    };
}
pub(crate) use fuzz;
