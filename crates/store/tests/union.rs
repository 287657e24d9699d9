//! The union federation on both backends: joining is counted once and logged; only members ask
//! for services; a request moves requested → taken → done by the union's staff of the worker's
//! region, or is closed by its own worker; everything else is refused and writes nothing.

mod common;

use common::*;
use flexpension_store::*;

async fn log_entries(ctx: &Ctx) -> i64 {
    ctx.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM log_entries").await
}

pub async fn membership_and_requests(kind: Kind) {
    run(kind, |ctx| async move {
        let f = fixture(&ctx.store, 2).await;
        let s = &ctx.store;
        let (me, other) = (f.workers[0].1.id, f.workers[1].1.id);
        assert_eq!(s.union_membership(me).await.expect("none"), None);
        // Not a member: no services.
        let e = s.request_union_service(me, UnionService::LegalAid, "my pay was cut").await.expect_err("not a member");
        assert_eq!(e.field(), Some("worker"), "{e}");
        let before = log_entries(&ctx).await;
        let m = s.join_union(me).await.expect("join");
        // Joining again (a retried form) changes nothing.
        assert_eq!(s.join_union(me).await.expect("again"), m);
        assert_eq!(log_entries(&ctx).await, before + 1, "one join, one log entry");
        assert_eq!(s.union_membership(me).await.expect("member"), Some(m));

        // Bad words are refused by field, nothing written.
        for bad in ["   ", "a\u{0}b", &"长".repeat(2001)] {
            let e = s.request_union_service(me, UnionService::Skills, bad).await.expect_err("bad text");
            assert_eq!(e.field(), Some("text"), "{e}");
        }
        assert_eq!(ctx.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM union_requests").await, 0);

        let r = s.request_union_service(me, UnionService::LegalAid, "我的订单钱没有结").await.expect("request");
        assert_eq!((r.state, r.service, r.worker), (RequestState::Requested, UnionService::LegalAid, me.0));
        // The same request sent twice is one request.
        assert_eq!(s.request_union_service(me, UnionService::LegalAid, "我的订单钱没有结").await.expect("retry").id, r.id);
        for i in 1..MAX_OPEN_UNION_REQUESTS {
            s.request_union_service(me, UnionService::Skills, &format!("course {i}")).await.expect("more");
        }
        let e = s.request_union_service(me, UnionService::Counselling, "one too many").await.expect_err("limit");
        assert_eq!(e.field(), Some("service"), "{e}");

        // The queue of the worker's region; nothing for another region.
        let q = s.union_queue("zj").await.expect("queue");
        assert_eq!(q.len() as i64, MAX_OPEN_UNION_REQUESTS);
        assert_eq!(q[0].id, r.id, "oldest open first");
        assert!(s.union_queue("ah").await.expect("other region").is_empty());
        assert_eq!(s.region_union_request(r.id, "zj").await.expect("own region").map(|x| x.id), Some(r.id));
        assert_eq!(s.region_union_request(r.id, "ah").await.expect("other region"), None);

        // Staff of another region do not see it; the other worker cannot close it.
        let staff = UnionActor::Staff(7);
        let not_found = |e: StoreError| matches!(e, StoreError::NotFound { .. });
        assert!(not_found(s.union_request_step(r.id, RequestState::Taken, staff, Some("ah"), "").await.expect_err("region")));
        let o = UnionActor::Worker(other);
        assert!(not_found(s.union_request_step(r.id, RequestState::Closed, o, None, "").await.expect_err("other worker")));
        // A worker cannot take or answer; done needs an answer.
        let w = UnionActor::Worker(me);
        assert_eq!(s.union_request_step(r.id, RequestState::Done, w, None, "ok").await.expect_err("worker").field(), Some("state"));
        let e = s.union_request_step(r.id, RequestState::Done, staff, Some("zj"), " ").await.expect_err("empty answer");
        assert_eq!(e.field(), Some("answer"));

        let t = s.union_request_step(r.id, RequestState::Taken, staff, Some("zj"), "").await.expect("take");
        assert_eq!(t.state, RequestState::Taken);
        let d = s.union_request_step(r.id, RequestState::Done, staff, Some("zj"), "律师周三下午给你打电话").await.expect("done");
        assert_eq!((d.state, d.answer.as_deref()), (RequestState::Done, Some("律师周三下午给你打电话")));
        // Done is final: neither side moves it again.
        assert!(s.union_request_step(r.id, RequestState::Closed, w, None, "").await.is_err());
        assert!(s.union_request_step(r.id, RequestState::Taken, staff, Some("zj"), "").await.is_err());
        // A slot is free again; the worker closes another one of theirs.
        let n = s.request_union_service(me, UnionService::Counselling, "I feel stressed").await.expect("slot free");
        let c = s.union_request_step(n.id, RequestState::Closed, w, None, "").await.expect("close own");
        assert_eq!(c.state, RequestState::Closed);
        assert_eq!(s.worker_union_requests(me).await.expect("mine").len() as i64, MAX_OPEN_UNION_REQUESTS + 1);
        assert!(s.worker_union_requests(other).await.expect("theirs").is_empty());

        // Leaving stops new requests; leaving twice writes nothing; joining again works.
        assert!(s.leave_union(me).await.expect("leave"));
        let entries = log_entries(&ctx).await;
        assert!(!s.leave_union(me).await.expect("again"));
        assert_eq!(log_entries(&ctx).await, entries);
        assert!(s.request_union_service(me, UnionService::Skills, "after leaving").await.is_err());
        assert!(s.join_union(me).await.is_ok());
        assert!(s.union_membership(me).await.expect("back").is_some());
        // An unknown worker is not found.
        assert!(not_found(s.join_union(WorkerId(999_999)).await.expect_err("unknown")));
        ctx.cleanup().await;
    })
    .await;
}

mod sqlite {
    use crate::common::Kind;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn membership_and_requests() {
        crate::membership_and_requests(Kind::Sqlite).await;
    }
}

mod postgres {
    use crate::common::Kind;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn membership_and_requests() {
        crate::membership_and_requests(Kind::Postgres).await;
    }
}
