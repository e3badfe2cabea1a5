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

# Extracts the newest release's crate into DIR/generated and prints the commit it came from:
# the newest commit (of the last 50 that touched the changelog or generated/) whose generated/
# hashes to the release's crate_sha256. Usually the commit that recorded the release, but not
# when generated/ was committed apart from it; later commits may hold a crate changed by the
# generator and not released yet, which is what the caller is about to release.
release_crate_into() {
    local dir=$1 want rev got
    want=$(grep -m1 -o '"crate_sha256": "[0-9a-f]*"' spec/changelog.json | cut -d'"' -f4)
    for rev in $(git rev-list -n 50 HEAD -- spec/changelog.json generated); do
        rm -rf "$dir/generated"
        git archive "$rev" generated 2>/dev/null | tar -x -C "$dir" 2>/dev/null || continue
        got=$(cargo run -q -p atlas-codegen -- api-diff "$dir/generated" \
            --new-crate-dir "$dir/generated" --format json 2>/dev/null \
            | grep -m1 -o '"crate_sha256": "[0-9a-f]*"' | cut -d'"' -f4) || true
        if [ -n "$want" ] && [ "$got" = "$want" ]; then
            echo "$rev"
            return 0
        fi
    done
    echo "error: no recent commit holds the newest release's crate (crate_sha256 ${want:-missing}) in generated/" >&2
    exit 2
}
