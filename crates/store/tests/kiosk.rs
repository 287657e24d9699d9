//! The self-service terminal's codes, texts and short sessions on both backends (with the
//! store's fixed clock): a right code signs in once; wrong tries are counted and capped; a code
//! expires; a ticket for an unknown ID number behaves like a known one's and queues no text; a
//! sent text is blanked; a terminal's session lives only while it is used.

mod common;

use chrono::{DateTime, TimeDelta};
use common::*;
use flexpension_store::kiosk::CodeCheck;
use flexpension_store::people::Scope;
use flexpension_store::*;
use std::sync::Arc;

const FAKE_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
/// 2025-12-01 10:00 in China.
const T0: i64 = 1_764_554_400_000_000;
const SECOND: i64 = 1_000_000;

fn h(tag: u8) -> [u8; 32] {
    [tag; 32]
}

mod cases {
    use super::*;

    pub async fn codes(ctx: Ctx, clock: Arc<FixedClock>) {
        let s = &ctx.store;
        let f = fixture(s, 2).await;
        let w = f.workers[0].1.id;
        let ttl = TimeDelta::seconds(300);
        assert_eq!(s.kiosk_person(w).await.expect("person"), None, "no account yet");
        let p = s.add_person_hashed("13800000000", FAKE_PHC, &Scope::Worker(w)).await.expect("person");
        assert_eq!(s.kiosk_person(w).await.expect("person"), Some(p.id));

        // A right code signs in once; the text is queued, then blanked once sent.
        let queued = s.kiosk_code_issue(&h(1), Some(w), &h(101), ttl, "code 123456").await.expect("issue");
        let pending = s.sms_pending().await.expect("pending");
        assert_eq!(pending.len(), 1);
        assert_eq!((Some(pending[0].id), pending[0].worker, pending[0].body.as_str()), (queued, w, "code 123456"));
        assert!(pending[0].phone_masked.contains("****"), "{}", pending[0].phone_masked);
        s.sms_sent(pending[0].id).await.expect("sent");
        assert!(s.sms_pending().await.expect("pending").is_empty());
        assert_eq!(ctx.scalar("SELECT COUNT(*) FROM sms_outbox WHERE body <> ''").await, 0, "no code is kept in clear once sent");
        assert_eq!(s.kiosk_code_check(&h(1), &h(102), 5).await.expect("check"), CodeCheck::Wrong { left: 4 });
        assert_eq!(s.kiosk_code_check(&h(1), &h(101), 5).await.expect("check"), CodeCheck::Good(w));
        assert_eq!(s.kiosk_code_check(&h(1), &h(101), 5).await.expect("check"), CodeCheck::Expired, "used up");

        // Wrong tries are capped: the right code after them opens nothing.
        s.kiosk_code_issue(&h(2), Some(w), &h(103), ttl, "code 2").await.expect("issue");
        for left in (0..5).rev() {
            assert_eq!(s.kiosk_code_check(&h(2), &h(9), 5).await.expect("check"), CodeCheck::Wrong { left });
        }
        assert_eq!(s.kiosk_code_check(&h(2), &h(103), 5).await.expect("check"), CodeCheck::NoTriesLeft);

        // A code expires after its time; its unsent text is blanked with it.
        s.kiosk_code_issue(&h(3), Some(w), &h(104), ttl, "code 3").await.expect("issue");
        clock.advance(300 * SECOND + 1);
        assert_eq!(s.kiosk_code_check(&h(3), &h(104), 5).await.expect("check"), CodeCheck::Expired);
        assert!(s.sms_pending().await.expect("pending").is_empty(), "an expired code's text is not sent");
        s.kiosk_code_issue(&h(4), Some(w), &h(105), ttl, "code 4").await.expect("issue");
        assert_eq!(ctx.scalar("SELECT COUNT(*) FROM sms_outbox WHERE body <> ''").await, 1, "only the live code's text");
        assert_eq!(
            ctx.scalar("SELECT COUNT(*) FROM kiosk_codes WHERE expires_at_us < 0 + (SELECT MAX(created_at_us) FROM kiosk_codes)").await,
            0
        );

        // An unknown ID number: a ticket that counts tries alike, never signs in, queues no text.
        let before = s.sms_pending().await.expect("pending").len();
        assert_eq!(s.kiosk_code_issue(&h(5), None, &h(106), ttl, "never sent").await.expect("issue"), None);
        assert_eq!(s.sms_pending().await.expect("pending").len(), before);
        assert_eq!(s.kiosk_code_check(&h(5), &h(106), 5).await.expect("check"), CodeCheck::Wrong { left: 4 });
        for _ in 0..4 {
            s.kiosk_code_check(&h(5), &h(9), 5).await.expect("check");
        }
        assert_eq!(s.kiosk_code_check(&h(5), &h(106), 5).await.expect("check"), CodeCheck::NoTriesLeft);
        assert_eq!(s.kiosk_code_check(&h(6), &h(106), 5).await.expect("check"), CodeCheck::Expired, "no such ticket");

        // Bad input writes nothing.
        assert!(s.kiosk_code_issue(&[1; 8], Some(w), &h(1), ttl, "x").await.is_err());
        assert!(s.kiosk_code_issue(&h(7), Some(w), &h(1), ttl, &"x".repeat(201)).await.is_err());
        assert_eq!(ctx.scalar("SELECT COUNT(*) FROM kiosk_codes WHERE ticket_hash IS NULL").await, 0);

        // A terminal's session lives while it is used, and ends after the idle time.
        let now = DateTime::from_timestamp_micros(clock.now_us()).expect("now");
        let idle = TimeDelta::seconds(120);
        let session = s.open_session(p.id, now, idle).await.expect("session");
        s.kiosk_touch(&session.token, now + TimeDelta::seconds(100), idle).await.expect("touch");
        assert!(s.session(&session.token, now + TimeDelta::seconds(219)).await.expect("session").is_some(), "used at 100 s");
        assert!(s.session(&session.token, now + TimeDelta::seconds(221)).await.expect("session").is_none(), "idle 121 s");
        s.kiosk_touch(&session.token, now + TimeDelta::seconds(300), idle).await.expect("touch");
        assert!(s.session(&session.token, now + TimeDelta::seconds(301)).await.expect("session").is_none(), "not revived");
        // A worker's own long session is never shortened by a terminal page.
        let long = s.open_session(p.id, now, TimeDelta::hours(12)).await.expect("session");
        s.kiosk_touch(&long.token, now, idle).await.expect("touch");
        assert!(s.session(&long.token, now + TimeDelta::hours(1)).await.expect("session").is_some());
    }
}

mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn codes() {
        run_clocked(Kind::Sqlite, T0, cases::codes).await;
    }
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn codes() {
        run_clocked(Kind::Postgres, T0, cases::codes).await;
    }
}
