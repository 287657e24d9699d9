//! The voucher extractor and page check on any bytes: no panic, a payload within the bound,
//! and a page check of an edited sample voucher that names what differs.
#![no_main]

use std::sync::OnceLock;

use flexpension_fuzz::sample_voucher;
use flexpension_voucher::{PageCheck, VoucherDoc, check_pages, extract_payload};
use libfuzzer_sys::fuzz_target;

fn doc() -> &'static VoucherDoc {
    static DOC: OnceLock<VoucherDoc> = OnceLock::new();
    DOC.get_or_init(sample_voucher)
}

fuzz_target!(init: flexpension_fuzz::init(), |data: &[u8]| {
    let payload = extract_payload(data);
    if let Ok(p) = &payload {
        assert!(p.len() <= 16 << 20, "a payload over the bound");
    }
    // The page check renders the sample each time (slow under the sanitizer): run it on one
    // input in eight that still carries the sample's payload, the edited vouchers it exists for.
    if data.len() % 8 == 0 && payload.as_deref().ok() == Some(doc().payload.as_slice()) {
        let check = check_pages(doc(), data).expect("the sample renders");
        if let PageCheck::Differs(found) = &check {
            assert!(!found.is_empty(), "a difference that names nothing");
        }
    }
});
