// Operations take validated ids: a plain string is not a `GroupId`.
use atlas_admin::params::{ClusterName, ExportId};
use atlas_admin::Client;

async fn fetch(client: &Client, cluster: &ClusterName, export: &ExportId) {
    let _ = client.get_backup_export("32b6e34b3d91647abb20e7b8", cluster, export).await;
}

fn main() {}
