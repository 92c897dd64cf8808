#!/usr/bin/env bash
# maspo action, step 3: one sticky comment per pull request. The summary starts with the marker
# <!-- maspo-eval-summary -->; the comment that starts with it is updated, else one is created. A token
# without write access (e.g. missing `pull-requests: write`) gives a warning, not a failed job.
set -uo pipefail
marker='<!-- maspo-eval-summary -->'
ids=$(gh api "repos/$REPO/issues/$PR/comments" --paginate \
  --jq "[.[] | select(.body | startswith(\"$marker\"))][0].id // empty") || {
  echo "::warning title=maspo eval::could not list the pull request's comments; no comment posted"
  exit 0
}
id=$(printf '%s\n' "$ids" | sed -n '/./{p;q;}')
if [ -n "$id" ]; then
  gh api -X PATCH "repos/$REPO/issues/comments/$id" -F "body=@$SUMMARY" >/dev/null &&
    echo "maspo: updated comment $id" ||
    echo "::warning title=maspo eval::could not update the sticky comment (does the token have pull-requests: write?)"
else
  gh api -X POST "repos/$REPO/issues/$PR/comments" -F "body=@$SUMMARY" >/dev/null &&
    echo "maspo: posted the sticky comment" ||
    echo "::warning title=maspo eval::could not post the sticky comment (does the token have pull-requests: write?)"
fi
exit 0
