#!/usr/bin/env bash
# maspo action, last step: the job's verdict from `maspo eval`'s exit code (0 pass, 1 gate failed,
# 2 unusable input, 70 internal error, 130 interrupted). A skipped fork pull request is "not configured", never "regressed".
set -uo pipefail
verdict() { echo "verdict=$1" >>"$GITHUB_OUTPUT"; }
if [ "${SKIP:-}" = "true" ]; then
  verdict not-configured
  msg="not configured for pull requests from forks: they get a read-only token and no secrets, so the benchmarks were not run. This is not a regression."
  echo "::notice title=maspo eval::$msg"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then printf '### maspo eval — not configured\n\n%s\n' "$msg" >>"$GITHUB_STEP_SUMMARY"; fi
  exit 0
fi
code="${EXIT_CODE:-}"
case "$code" in
  0)
    verdict passed
    echo "maspo gate passed"
    ;;
  1)
    verdict regressed
    echo "::error title=maspo gate::a benchmark regressed against the baseline: see the job summary${SUMMARY:+ ($SUMMARY)} and the dashboard artefact"
    exit 1
    ;;
  70)
    verdict internal-error
    echo "::error title=maspo eval::internal error in maspo (exit 70): a bug in maspo, not a regression nor your input; see the eval step's log and re-run with MASPO_DEBUG=1 for the stack"
    exit 70
    ;;
  130)
    verdict interrupted
    echo "::error title=maspo eval::interrupted (exit 130)"
    exit 130
    ;;
  '')
    verdict unusable-input
    echo "::error title=maspo eval::unusable input: the eval step did not run (see the steps above)"
    exit 2
    ;;
  *)
    verdict unusable-input
    echo "::error title=maspo eval::unusable input (exit $code): the config, prompt artifact or baseline could not be used; see the eval step's log"
    exit 2
    ;;
esac
