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
#   RUNNER_USER             the user that runs config.sh, run.sh and so every job (default runner; not root)
#
# Keeping the credential from jobs (a job must not read the token, the App key or a registration token):
#   1. The entrypoint re-executes itself without GITHUB_TOKEN and GITHUB_APP_PRIVATE_KEY in its environment
#      and receives them through a pipe: `unset` does not clear a process's /proc/<pid>/environ.
#   2. Started as root (the image's default), it keeps the credential in its own memory only, and runs
#      config.sh and run.sh as RUNNER_USER with no_new_privs (setpriv): a job can read neither a root
#      process's environ nor its memory, and cannot become root through sudo or any set-user-ID program.
#      On SIGTERM this root process deletes the registration through the API with the credential (a remove
#      token expires after an hour, and `config.sh remove` would hand one to a process the job can read).
#   3. Started as another user (`docker run --user`), it cannot keep anything from the jobs, which run as
#      that same user: it then requires RUNNER_EPHEMERAL=true, registers, and replaces itself with run.sh
#      (exec), so that no process holds the credential. GitHub removes an ephemeral runner after its job; a
#      task stopped while idle leaves an offline registration, which GitHub removes after a day.
# The registration token reaches config.sh through ACTIONS_RUNNER_INPUT_TOKEN: never an argument, never logged.
set -euo pipefail

# A log line, written by a subshell: a closed stderr (SIGPIPE) must not stop the entrypoint, which would leave
# run.sh and the registration behind.
log() { (printf '%s ghrunner-entrypoint: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2) || true; }

# 1. A fresh process whose environment never held the credential; the old one is gone (exec).
if [[ -z "${_GHRUNNER_CREDENTIAL_FD:-}" && -n "${GITHUB_TOKEN:-}${GITHUB_APP_PRIVATE_KEY:-}" ]]; then
  exec env -u GITHUB_TOKEN -u GITHUB_APP_PRIVATE_KEY _GHRUNNER_CREDENTIAL_FD=3 bash "${BASH_SOURCE[0]}" "$@" \
    3< <(printf '%s\0%s\0' "${GITHUB_TOKEN:-}" "${GITHUB_APP_PRIVATE_KEY:-}")
fi
github_token="" app_key=""
if [[ -n "${_GHRUNNER_CREDENTIAL_FD:-}" ]]; then
  IFS= read -r -d '' -u 3 github_token || true
  IFS= read -r -d '' -u 3 app_key || true
  exec 3<&-
  unset _GHRUNNER_CREDENTIAL_FD
fi

: "${RUNNER_URL:?set RUNNER_URL to https://github.com/OWNER/REPO or https://github.com/ORG}"
GITHUB_API_URL="${GITHUB_API_URL:-https://api.github.com}"
RUNNER_LABELS="${RUNNER_LABELS:-self-hosted}"
RUNNER_EPHEMERAL="${RUNNER_EPHEMERAL:-false}"
RUNNER_HOME="${RUNNER_HOME:-/home/runner}"
RUNNER_USER="${RUNNER_USER:-runner}"

# repos/OWNER/REPO or orgs/ORG, from the registration URL.
scope_path() {
  local path="${RUNNER_URL#*://*/}"
  case "$path" in
    */*) printf 'repos/%s' "$path" ;;
    *) printf 'orgs/%s' "$path" ;;
  esac
}

# api METHOD PATH [BEARER] [CURL ARGS...]: the credential goes to curl through its standard input, not its
# arguments (any process may read another's /proc/<pid>/cmdline).
api() {
  local method="$1" path="$2" bearer="${3:-$AUTH_TOKEN}"
  shift 3 || shift $#
  printf 'header = "Authorization: Bearer %s"\n' "$bearer" | curl --silent --show-error --config - \
    -X "$method" -H "Accept: application/vnd.github+json" -H "X-GitHub-Api-Version: 2022-11-28" "$@" \
    "${GITHUB_API_URL%/}/$path"
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# A GitHub App: a JWT signed with the private key (read from a pipe, never a file), exchanged for an
# installation token (valid for an hour: minted again for the removal).
app_token() {
  local now header payload unsigned signature jwt installation
  now=$(date +%s)
  header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
  payload=$(printf '{"iat":%d,"exp":%d,"iss":"%s"}' "$((now - 60))" "$((now + 540))" "$GITHUB_APP_ID" | b64url)
  unsigned="$header.$payload"
  signature=$(printf '%s' "$unsigned" | openssl dgst -sha256 -sign <(printf '%s\n' "$app_key") | b64url)
  jwt="$unsigned.$signature"
  installation=$(api GET "$(scope_path)/installation" "$jwt" --fail | jq -r '.id')
  api POST "app/installations/$installation/access_tokens" "$jwt" --fail | jq -r '.token'
}

credential() {
  if [[ -n "$github_token" ]]; then
    printf '%s' "$github_token"
  else
    app_token
  fi
}

if [[ -z "$github_token" && -z "${GITHUB_APP_ID:-}${app_key}" ]]; then
  log "no credential: set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"
  exit 2
elif [[ -z "$github_token" && (-z "${GITHUB_APP_ID:-}" || -z "$app_key") ]]; then
  log "no credential: a GitHub App needs both GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (or set GITHUB_TOKEN)"
  exit 2
fi

# 2./3. Who runs the jobs.
if [[ "$(id -u)" == 0 ]]; then
  if ! runner_uid=$(id -u "$RUNNER_USER" 2>/dev/null) || [[ "$runner_uid" == 0 ]]; then
    log "RUNNER_USER=$RUNNER_USER must name an existing user other than root: the jobs run as that user"
    exit 2
  fi
  if ! command -v setpriv >/dev/null; then
    log "setpriv is missing (util-linux): it runs the jobs as $RUNNER_USER without a way back to root"
    exit 2
  fi
  as_runner=(setpriv --reuid="$runner_uid" --regid="$(id -g "$RUNNER_USER")" --init-groups --no-new-privs --
    env HOME="$RUNNER_HOME" USER="$RUNNER_USER" LOGNAME="$RUNNER_USER")
  supervise=true
elif [[ "$RUNNER_EPHEMERAL" == "true" ]]; then
  as_runner=()
  supervise=false
else
  log "started as uid $(id -u), the jobs would run as this user too and could read the credential of a" \
    "persistent runner: start as root (the image's default) or set RUNNER_EPHEMERAL=true"
  exit 2
fi

if ! AUTH_TOKEN=$(credential); then
  log "could not get an installation token for GitHub App $GITHUB_APP_ID from $GITHUB_API_URL"
  exit 1
fi

if [[ -z "${RUNNER_NAME:-}" ]]; then
  if [[ -n "${ECS_CONTAINER_METADATA_URI_V4:-}" ]]; then
    RUNNER_NAME=$(curl --fail --silent "$ECS_CONTAINER_METADATA_URI_V4/task" | jq -r '.TaskARN' | awk -F/ '{print $NF}')
  else
    RUNNER_NAME=$(hostname)
  fi
fi

# The runner's id: from .runner, read before any job could rewrite it, else by name from the API.
RUNNER_ID=""
runner_id() {
  if [[ -n "$RUNNER_ID" ]]; then
    printf '%s' "$RUNNER_ID"
    return 0
  fi
  api GET "$(scope_path)/actions/runners?name=$(jq -rn --arg n "$RUNNER_NAME" '$n|@uri')&per_page=100" "" --fail \
    | jq -r --arg n "$RUNNER_NAME" '[.runners[] | select(.name == $n) | .id][0] // empty'
}

# Deletes the registration; retries while GitHub still sees the runner busy (422), within ECS's stopTimeout.
remove_runner() {
  local id status attempt
  log "removing runner $RUNNER_NAME"
  if ! AUTH_TOKEN=$(credential) || ! id=$(runner_id); then
    log "could not reach GitHub to remove runner $RUNNER_NAME: it stays registered (offline)"
    return 0
  fi
  if [[ -z "$id" ]]; then
    log "runner $RUNNER_NAME is not registered: nothing to remove"
    return 0
  fi
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    status=$(api DELETE "$(scope_path)/actions/runners/$id" "" --output /dev/null --write-out '%{http_code}') || status=000
    case "$status" in
      204 | 404)
        log "removed runner $RUNNER_NAME (id $id)"
        return 0
        ;;
      401 | 403)
        break
        ;;
    esac
    log "removing runner $RUNNER_NAME: HTTP $status (attempt $attempt of 10)"
    sleep 3
  done
  log "could not remove runner $RUNNER_NAME (HTTP $status): it stays registered (offline)"
}

# shellcheck disable=SC2329 # invoked by the trap below
on_term() {
  if [[ -n "${RUNNER_PID:-}" ]]; then
    kill -TERM "$RUNNER_PID" 2>/dev/null || true
    log "SIGTERM: stopping the runner"
    wait "$RUNNER_PID" 2>/dev/null || true
  fi
  remove_runner
  exit 0
}
trap on_term TERM INT

log "registering $RUNNER_NAME at $RUNNER_URL with labels $RUNNER_LABELS"
config_args=(--unattended --replace --url "$RUNNER_URL" --name "$RUNNER_NAME" --labels "$RUNNER_LABELS")
if [[ "$RUNNER_EPHEMERAL" == "true" ]]; then
  config_args+=(--ephemeral)
fi
if ! ACTIONS_RUNNER_INPUT_TOKEN=$(api POST "$(scope_path)/actions/runners/registration-token" "" --fail | jq -r '.token'); then
  log "could not get a registration token: may the credential administer the runners of $RUNNER_URL?"
  exit 1
fi
export ACTIONS_RUNNER_INPUT_TOKEN
"${as_runner[@]}" "$RUNNER_HOME/config.sh" "${config_args[@]}"
unset ACTIONS_RUNNER_INPUT_TOKEN
RUNNER_ID=$(sed '1s/^\xEF\xBB\xBF//' "$RUNNER_HOME/.runner" 2>/dev/null | jq -r '.agentId // empty' 2>/dev/null) || RUNNER_ID=""
[[ "$RUNNER_ID" =~ ^[0-9]+$ ]] || RUNNER_ID=""

if [[ "$supervise" != "true" ]]; then
  trap - TERM INT
  exec "$RUNNER_HOME/run.sh" # 3. nothing stays behind that holds the credential
fi

"${as_runner[@]}" "$RUNNER_HOME/run.sh" & # setpriv and env exec: $! is run.sh
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
