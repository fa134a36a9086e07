#!/usr/bin/env bash
# Stand-in for the runner's config.sh: records who ran it, its arguments and a digest of the registration token
# (the token itself would be readable by the job), then writes .runner as the real config.sh does (a UTF-8 byte
# order mark, then JSON with agentId) when STAND_IN_AGENT_ID is set.
set -euo pipefail
printf '%s %s\n' "$(id -un)" "$*" >>"$RUNNER_HOME/config.calls"
digest=$(printf '%s' "$ACTIONS_RUNNER_INPUT_TOKEN" | sha256sum | cut -c1-64)
printf '%s %s\n' "${ACTIONS_RUNNER_INPUT_TOKEN:0:4}" "$digest" >>"$RUNNER_HOME/config.tokens"
if [[ -n "${STAND_IN_AGENT_ID:-}" ]]; then
  printf '\xef\xbb\xbf{"agentId": %s, "agentName": "x", "poolId": 1, "workFolder": "_work"}' "$STAND_IN_AGENT_ID" \
    >"$RUNNER_HOME/.runner"
fi
