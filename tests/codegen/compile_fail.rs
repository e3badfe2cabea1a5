//! What the generated types make impossible: setting a readOnly field on a request (directly or
//! with a setter), reading a writeOnly field from a response, passing an unvalidated string
//! where an id is required.
//! Each case must fail to compile with the error recorded beside it (`compile_fail/*.stderr`;
//! after a deliberate change, regenerate them with `TRYBUILD=overwrite` and review the diff).

#[test]
#[ignore = "compiles each case against a fresh build of the fixture crate (about a minute): `cargo test -p atlas-codegen-tests --test codegen compile_fail:: -- --ignored`, run by .ci/run"]
fn misuse_does_not_compile() {
    trybuild::TestCases::new().compile_fail("codegen/compile_fail/*.rs");
}
