//! Each shop's Shopify cost bucket, shared by every host: one call of a SQL function per take and
//! per settle (`weft_budget_take`, `weft_budget_settle` in the migrations).

use super::{e, PostgresStore};
use crate::store::contract::BudgetStore;
use crate::store::{BucketReport, Grant, StoreResult};

impl BudgetStore for PostgresStore {
    fn budget_take(&self, shop: &str, cost: f64, priority: u8) -> StoreResult<Grant> {
        let (pool, holder) = self.db();
        let shop = shop.to_owned();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT weft_budget_take($1, $2, $3, $4)";
            let wait: i64 =
                client.query_one(sql, &[&shop, &holder, &cost, &i16::from(priority)]).await.map_err(e)?.get(0);
            Ok(if wait <= 0 { Grant::Granted } else { Grant::Wait(u64::try_from(wait).unwrap_or(u64::MAX)) })
        })
    }

    fn budget_settle(&self, shop: &str, reserved: f64, report: Option<&BucketReport>) -> StoreResult<()> {
        let (pool, holder) = self.db();
        let shop = shop.to_owned();
        let report = report.copied();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let sql = "SELECT weft_budget_settle($1, $2, $3, $4, $5, $6, $7, $8)";
            let (actual, maximum, currently, rate) = match report {
                Some(r) => (r.actual, r.maximum, r.currently_available, r.restore_rate),
                None => (None, 0.0, 0.0, 0.0),
            };
            let has_report = report.is_some();
            client
                .execute(sql, &[&shop, &holder, &reserved, &has_report, &actual, &maximum, &currently, &rate])
                .await
                .map_err(e)?;
            Ok(())
        })
    }
}
