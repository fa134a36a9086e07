#!/usr/bin/env bash
# Static checks of the Terraform code, offline: fmt, init from the local provider mirror, validate,
# checkov (no failed check; every inline skip carries its reason) and `terraform test` (mocked provider).
# The apply-to-moto integration test lives in tests/test_terraform.py.
set -euo pipefail
cd "$(dirname "$0")"
export TF_CLI_CONFIG_FILE=/dev/null TF_IN_AUTOMATION=1 TF_INPUT=0

# The offline filesystem mirror of the AWS provider: TF_PLUGIN_MIRROR, else found on disk.
mirror="${TF_PLUGIN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  provider=$(find /opt /usr /root /home / -xdev -name 'terraform-provider-aws_v5*' -path '*registry.terraform.io*' 2>/dev/null | head -n 1 || true)
  if [[ -z "$provider" ]]; then
    echo "check.sh: no offline mirror of the AWS provider 5.x found; set TF_PLUGIN_MIRROR to its root" >&2
    exit 2
  fi
  mirror="${provider%%/registry.terraform.io/*}"
fi

echo "== terraform fmt"
terraform fmt -check -recursive
echo "== terraform init (offline, mirror $mirror)"
terraform init -backend=false -plugin-dir="$mirror" >/dev/null
echo "== terraform validate"
terraform validate
echo "== checkov"
"${CHECKOV:-checkov}" -d . --skip-download --quiet --compact --framework terraform
echo "== terraform test"
terraform test
