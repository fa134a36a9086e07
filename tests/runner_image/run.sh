#!/usr/bin/env bash
# Stand-in for the runner's run.sh, and the job it runs: copies everything it can read where a credential could
# hide into $RUNNER_HOME/job.mem (memory, see memscan.py) and job.dump (every /proc/*/environ and cmdline, its
# environment, the files it can read that changed in the last 10 minutes), then waits for SIGTERM unless
# the runner is ephemeral.
trap 'echo stopped >>"$RUNNER_HOME/run.log"; kill "$child" 2>/dev/null; exit 0' TERM
echo "started $(id -un) $$" >>"$RUNNER_HOME/run.log"
python3 "$RUNNER_HOME/memscan.py" "$RUNNER_HOME/job.mem" ||
  echo "== memscan.py failed: is python3 on PATH and runnable by $(id -un)?" >"$RUNNER_HOME/job.mem"
{
  echo "== id"
  id
  echo "== env"
  env
  for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do
    if data=$(tr '\0' '\n' <"$f" 2>/dev/null); then
      echo "== read $f"
      printf '%s\n' "$data"
    else
      echo "== unreadable $f"
    fi
  done
  find "$RUNNER_HOME" /tmp /var/tmp /dev/shm /run -xdev -maxdepth 4 -type f -readable -mmin -10 -size -2M \
    ! -name 'job.*' -print 2>/dev/null | while IFS= read -r f; do
    echo "== file $f"
    cat "$f" 2>/dev/null
  done
} >"$RUNNER_HOME/job.dump.part" 2>&1
mv "$RUNNER_HOME/job.dump.part" "$RUNNER_HOME/job.dump"
[[ "${RUNNER_EPHEMERAL:-}" == true ]] && exit 0
sleep 60 &
child=$!
wait
