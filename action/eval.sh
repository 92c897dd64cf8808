#!/usr/bin/env bash
# maspo action, step 2: `maspo eval --no-optimize`. The API key exists only in this process's environment,
# under the name the config reads (MASPO_API_KEY_ENV). The exit code is an output; verdict.sh acts on it
# after the comment, the dashboard upload and the cache save have run.
set -uo pipefail
out="${OUT_DIR:?}"
fail() {
  echo "::error title=maspo eval::unusable input: $1"
  echo "exit-code=2" >>"$GITHUB_OUTPUT"
  exit 0
}
if ! npx --no-install maspo --version >/dev/null 2>&1; then
  fail "maspo is not installed in this repository: add it to devDependencies and run \`npm ci\` before this action"
fi
if [ -n "${MASPO_API_KEY:-}" ]; then
  [[ "${MASPO_API_KEY_ENV:-}" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] ||
    fail "api-key-env '${MASPO_API_KEY_ENV:-}' is not a valid environment variable name (e.g. OPENAI_API_KEY)"
  export "$MASPO_API_KEY_ENV=$MASPO_API_KEY"
fi
unset MASPO_API_KEY
mkdir -p "$out"
cmd=(npx --no-install maspo eval --config "${CONFIG:-maspo.config.yaml}" --no-optimize
  --summary "$out/summary.md" --dashboard "$out/dashboard" --results "$out/results.json")
[ -n "${PROMPTS:-}" ] && cmd+=(--prompts "$PROMPTS")
[ -n "${BASELINE:-}" ] && cmd+=(--baseline "$BASELINE")
read -r -a extra <<<"${ARGS:-}"
cmd+=("${extra[@]}")
echo "maspo: ${cmd[*]}"
"${cmd[@]}"
code=$?
echo "exit-code=$code" >>"$GITHUB_OUTPUT"
if [ -f "$out/summary.md" ]; then echo "summary-written=true" >>"$GITHUB_OUTPUT"; fi
exit 0
