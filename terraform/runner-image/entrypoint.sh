#!/usr/bin/env bash
# Registers this container as a self-hosted GitHub Actions runner, runs it, and removes the registration
# on SIGTERM (ECS stops a task with SIGTERM, then SIGKILL after stopTimeout).
#
# Environment:
#   RUNNER_URL              https://github.com/OWNER/REPO or https://github.com/ORG (required)
#   GITHUB_API_URL          https://api.github.com (default) or https://HOST/api/v3
#   GITHUB_TOKEN            a token that may create registration tokens, or
#   GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY (PEM) for a GitHub App installed on the repository/organisation
#   RUNNER_LABELS           comma-separated labels (default self-hosted)
#   RUNNER_EPHEMERAL        true: take one job, then exit (ECS starts a fresh task)
#   RUNNER_NAME             default: the ECS task id, else the host name
#   RUNNER_HOME             where config.sh and run.sh are (default /home/runner)
# The registration token reaches config.sh through ACTIONS_RUNNER_INPUT_TOKEN: never an argument, never logged.
set -euo pipefail

: "${RUNNER_URL:?set RUNNER_URL to https://github.com/OWNER/REPO or https://github.com/ORG}"
GITHUB_API_URL="${GITHUB_API_URL:-https://api.github.com}"
RUNNER_LABELS="${RUNNER_LABELS:-self-hosted}"
RUNNER_EPHEMERAL="${RUNNER_EPHEMERAL:-false}"
RUNNER_HOME="${RUNNER_HOME:-/home/runner}"

log() { printf '%s ghrunner-entrypoint: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

# repos/OWNER/REPO or orgs/ORG, from the registration URL.
scope_path() {
  local path="${RUNNER_URL#*://*/}"
  case "$path" in
    */*) printf 'repos/%s' "$path" ;;
    *) printf 'orgs/%s' "$path" ;;
  esac
}

# api METHOD PATH [BEARER]: the credential goes to curl through its standard input, not its arguments.
api() {
  local method="$1" path="$2" bearer="${3:-$AUTH_TOKEN}"
  printf 'header = "Authorization: Bearer %s"\n' "$bearer" | curl --fail --silent --show-error --config - \
    -X "$method" -H "Accept: application/vnd.github+json" -H "X-GitHub-Api-Version: 2022-11-28" \
    "${GITHUB_API_URL%/}/$path"
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# A GitHub App: a JWT signed with the private key, exchanged for an installation token.
app_token() {
  local now header payload unsigned signature jwt installation key_file
  now=$(date +%s)
  header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
  payload=$(printf '{"iat":%d,"exp":%d,"iss":"%s"}' "$((now - 60))" "$((now + 540))" "$GITHUB_APP_ID" | b64url)
  unsigned="$header.$payload"
  key_file=$(mktemp)
  printf '%s\n' "$GITHUB_APP_PRIVATE_KEY" >"$key_file"
  signature=$(printf '%s' "$unsigned" | openssl dgst -sha256 -sign "$key_file" | b64url)
  rm -f "$key_file"
  jwt="$unsigned.$signature"
  installation=$(api GET "$(scope_path)/installation" "$jwt" | jq -r '.id')
  api POST "app/installations/$installation/access_tokens" "$jwt" | jq -r '.token'
}

if [[ -n "${GITHUB_TOKEN:-}" ]]; then
  AUTH_TOKEN="$GITHUB_TOKEN"
elif [[ -n "${GITHUB_APP_ID:-}" && -n "${GITHUB_APP_PRIVATE_KEY:-}" ]]; then
  AUTH_TOKEN=$(app_token)
else
  log "no credential: set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"
  exit 2
fi
unset GITHUB_TOKEN GITHUB_APP_PRIVATE_KEY # jobs must not inherit the credential

if [[ -z "${RUNNER_NAME:-}" ]]; then
  if [[ -n "${ECS_CONTAINER_METADATA_URI_V4:-}" ]]; then
    RUNNER_NAME=$(curl --fail --silent "$ECS_CONTAINER_METADATA_URI_V4/task" | jq -r '.TaskARN' | awk -F/ '{print $NF}')
  else
    RUNNER_NAME=$(hostname)
  fi
fi

remove_runner() {
  log "removing runner $RUNNER_NAME"
  local remove_token
  remove_token=$(api POST "$(scope_path)/actions/runners/remove-token" | jq -r '.token') || return 0
  ACTIONS_RUNNER_INPUT_TOKEN="$remove_token" "$RUNNER_HOME/config.sh" remove || log "config.sh remove failed"
}

# shellcheck disable=SC2329 # invoked by the trap below
on_term() {
  log "SIGTERM: stopping the runner"
  if [[ -n "${RUNNER_PID:-}" ]]; then
    kill -TERM "$RUNNER_PID" 2>/dev/null || true
    wait "$RUNNER_PID" 2>/dev/null || true
  fi
  remove_runner
  exit 0
}
trap on_term TERM INT

log "registering $RUNNER_NAME at $RUNNER_URL with labels $RUNNER_LABELS"
REGISTRATION_TOKEN=$(api POST "$(scope_path)/actions/runners/registration-token" | jq -r '.token')
config_args=(--unattended --replace --url "$RUNNER_URL" --name "$RUNNER_NAME" --labels "$RUNNER_LABELS")
if [[ "$RUNNER_EPHEMERAL" == "true" ]]; then
  config_args+=(--ephemeral)
fi
ACTIONS_RUNNER_INPUT_TOKEN="$REGISTRATION_TOKEN" "$RUNNER_HOME/config.sh" "${config_args[@]}"
unset REGISTRATION_TOKEN

"$RUNNER_HOME/run.sh" &
RUNNER_PID=$!
set +e
wait "$RUNNER_PID"
status=$?
set -e
log "run.sh exited with $status"
if [[ "$RUNNER_EPHEMERAL" != "true" ]]; then
  remove_runner
fi
exit "$status"
