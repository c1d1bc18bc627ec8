#!/usr/bin/env bash
# The guide's "Break it" exercises, checked: every row of the tables in
# runtime/src/guide/exercises/ch*.md says "change this line, run this test,
# see this failure". For each row this applies the change to a scratch copy
# of the tree (the working tree is never touched), runs the row's own
# command, and fails unless the test fails with the row's text; then it puts
# the file back. A row whose line no longer exists, whose change does not
# compile, or whose test passes is an exercise that rotted: CI says which.
#
#   bash .ci/exercises.sh            # every row
#   bash .ci/exercises.sh ch4        # the rows of chapter 4
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
only=${1:-}

scratch=target/exercises/tree
rm -rf "$scratch" && mkdir -p "$scratch"
# Left behind, the copy would keep vouching for the artifacts built from it
# after the real tree changes (see below): a later build would use them.
trap 'rm -rf "$root/$scratch"' EXIT
# Tracked files and new ones not yet committed (not the ignored target/).
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$scratch"

# One line per row: file, from, to, command, expected text (tab-separated).
rows=$(python3 - "$only" <<'EOF'
import glob, re, sys
only = sys.argv[1]
code = r"`([^`]+)`"
row = re.compile(rf"^\| {code}: {code} → {code} \| {code} \| {code} \|")
for path in sorted(glob.glob("runtime/src/guide/exercises/ch*.md")):
    if only and f"/{only}.md" not in path:
        continue
    for line in open(path, encoding="utf-8"):
        if not line.startswith("| `"):
            continue
        # A `|` inside a table cell is written `\|`.
        m = row.match(line.replace("\\|", "\x00"))
        if not m:
            sys.exit(f"{path}: a row this script cannot read:\n{line}")
        print("\t".join(g.replace("\x00", "|") for g in m.groups()))
EOF
)
[ -n "$rows" ] || { echo "no exercise rows found"; exit 1; }

failed=0
while IFS=$'\t' read -r file from to command expect; do
    started=$SECONDS
    echo "==> $file: $from → $to"
    # Exactly one occurrence, or the exercise no longer matches the code.
    if ! python3 - "$scratch/$file" "$from" "$to" <<'EOF'
import sys
path, old, new = sys.argv[1:]
text = open(path, encoding="utf-8").read()
if text.count(old) != 1:
    sys.exit(f"    {text.count(old)} occurrences of the line to change (expected 1)")
open(path, "w", encoding="utf-8").write(text.replace(old, new))
EOF
    then
        failed=1
        continue
    fi
    # The reader's command, run in the copy, in the main target directory,
    # so that dependencies are not built again. Cargo names a workspace
    # member's artifacts by its path relative to the workspace, so the
    # copy's crates share the real ones' artifacts too: the copy is
    # removed at the end (trap above), and the next build of the real tree
    # finds the copy's sources gone and rebuilds from its own. Each test
    # bounds itself; `timeout` bounds the build too.
    out=$(cd "$scratch" && timeout 900 $command --target-dir "$root/target" </dev/null 2>&1) && status=0 || status=$?
    cp "$file" "$scratch/$file"
    if [ "$status" -eq 0 ]; then
        echo "    FAILED: the test passed with the change"
        failed=1
    elif grep -q 'could not compile' <<<"$out"; then
        echo "    FAILED: the change does not compile"
        grep -E '^error' <<<"$out" | head -5
        failed=1
    elif ! grep -q 'test result: FAILED' <<<"$out" || ! grep -qF -- "$expect" <<<"$out"; then
        echo "    FAILED: the test did not fail with \"$expect\" (exit $status)"
        tail -20 <<<"$out"
        failed=1
    else
        echo "    ok: $command fails with \"$expect\" ($((SECONDS - started))s)"
    fi
done <<<"$rows"
exit "$failed"
