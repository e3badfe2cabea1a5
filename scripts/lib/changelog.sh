# Shared by the scripts that record releases (update-upstream, release-generator-change):
# they can be re-run before committing, replacing what their last run recorded, without
# throwing away a release that something else recorded and nobody committed yet.
#
# Sourced from the workspace root; each script names its own marker file.

# Puts spec/changelog.json back to the last commit's when this script made the difference
# (the marker holds what its last run wrote); refuses when someone else did.
restore_own_changelog() {
    local marker=$1
    if git diff --quiet HEAD -- spec/changelog.json; then
        return 0
    fi
    if [ -f "$marker" ] && cmp -s "$marker" spec/changelog.json; then
        git show HEAD:spec/changelog.json > spec/changelog.json
        return 0
    fi
    echo "error: spec/changelog.json has uncommitted releases that this script did not record;" >&2
    echo "commit them first (or discard them: git checkout spec/changelog.json), then run it again" >&2
    exit 2
}

# Remembers what this run wrote, for the next run's restore_own_changelog.
remember_changelog() {
    local marker=$1
    mkdir -p "$(dirname "$marker")"
    cp spec/changelog.json "$marker"
}

# The commit that recorded the newest release: its generated/ is that release's crate (CI
# checks every commit's crate against its changelog), even when later commits changed the
# generator and regenerated without recording a release.
release_commit() {
    git log -1 --format=%H -- spec/changelog.json
}
