//! The demo's union federation: the demo worker is a member with one request answered and one
//! taken on, and a share of the other enrolled workers are members too.

use crate::demo::cast::DemoWorker;
use flexpension_store::{RequestState, Store, UnionActor, UnionService, WorkerId};

/// One worker in this many of the enrolled ones joins.
const JOIN_ONE_IN: usize = 4;
/// The union's staff member who answers in the demo (a person id; the demo has no union login).
const DEMO_STAFF: i64 = 0;

pub async fn union(store: &Store, region: &str, workers: &[DemoWorker], demo_worker: WorkerId) -> anyhow::Result<String> {
    let mut members = 0;
    for w in workers.iter().filter(|w| w.pension_from.is_some()).step_by(JOIN_ONE_IN) {
        if let Some(found) = store.find_worker(&w.id_number).await? {
            store.join_union(found.id).await?;
            members += 1;
        }
    }
    store.join_union(demo_worker).await?;
    let staff = UnionActor::Staff(DEMO_STAFF);
    let aid = store.request_union_service(demo_worker, UnionService::LegalAid, "平台说我违约要扣押金500元，我想问问合不合法。").await?;
    store.union_request_step(aid.id, RequestState::Taken, staff, Some(region), "").await?;
    store
        .union_request_step(aid.id, RequestState::Done, staff, Some(region), "工会律师看过合同：押金不能这样扣。律师会陪你去找平台。")
        .await?;
    let course = store.request_union_service(demo_worker, UnionService::Skills, "想学电动车维修，下个月有课吗？").await?;
    store.union_request_step(course.id, RequestState::Taken, staff, Some(region), "").await?;
    Ok(format!("{} members; the demo worker's requests #{} (answered) and #{} (taken on)", members + 1, aid.id, course.id))
}
