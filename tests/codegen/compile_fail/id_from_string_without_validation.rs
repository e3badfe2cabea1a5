// There is no unchecked way from a `String` to an id: `new`, `parse` and `try_from` validate.
use atlas_admin::params::GroupId;

fn main() {
    let _group: GroupId = String::from("not-a-group-id").into();
}
