#!/usr/bin/env bash
# maspo action, step 1: where the outputs go, and whether this is a pull request from a fork (read-only
# token, no secrets). Forks are skipped unless run-on-forks is 'true'; verdict.sh reports them as
# "not configured", never as a regression.
set -euo pipefail
out="${OUT_DIR:-.maspo/action}"
echo "out-dir=${out%/}" >>"$GITHUB_OUTPUT"

# Response cache key: one new entry per run (caches are immutable), restored from the newest entry of the
# same config, else of any config. Entries hold responses keyed by request, so an older one is still valid.
prefix="${CACHE_KEY_PREFIX:-maspo-responses-v1}-${RUNNER_OS:-Linux}"
config_hash=none
if [ -f "${CONFIG:-}" ]; then config_hash=$(sha256sum "$CONFIG" | cut -c1-16); fi
echo "cache-key=$prefix-$config_hash-${GITHUB_RUN_ID:-0}-${GITHUB_RUN_ATTEMPT:-1}" >>"$GITHUB_OUTPUT"
{
  echo 'cache-restore-keys<<MASPO_EOF'
  echo "$prefix-$config_hash-"
  echo "$prefix-"
  echo 'MASPO_EOF'
} >>"$GITHUB_OUTPUT"
if [ "${IS_FORK:-false}" = "true" ]; then
  echo "fork=true" >>"$GITHUB_OUTPUT"
  if [ "${RUN_ON_FORKS:-false}" != "true" ]; then
    echo "skip=true" >>"$GITHUB_OUTPUT"
    echo "maspo: pull request from a fork: no secrets and a read-only token; the eval is skipped (run-on-forks: false)"
  fi
else
  echo "fork=false" >>"$GITHUB_OUTPUT"
fi
