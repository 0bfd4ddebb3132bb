#!/usr/bin/env bash
# Runs every test of Portal, the way CI does:
#   1. starts a throwaway PostgreSQL from the installed binaries (temporary directory, free port, unprivileged user),
#   2. installs Debian's chromium and awscli for the browser and AWS CLI tests when missing and we are allowed to,
#   3. builds the solution (warnings are errors) and runs every test project,
#   4. stops PostgreSQL and removes its files.
# Screenshots and test results land in TestResults/.
set -euo pipefail
cd "$(dirname "$0")"

configuration=${CONFIGURATION:-Release}
work=$(mktemp -d /tmp/portal-test.XXXXXX)
chmod 755 "$work"
cleanup() { scripts/postgres.sh stop "$work/pg" || true; rm -rf "$work"; }
trap cleanup EXIT

# Debian packages the tests drive: Chromium (browser tests) and the AWS CLI (a real AWS client against the sandbox).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -x /usr/bin/aws ] || missing+=(awscli)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's ${missing[*]} for the tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
      || echo "warning: could not install ${missing[*]}; the tests that need them will fail" >&2
  else
    echo "warning: ${missing[*]} not installed (apt-get install ${missing[*]}); the tests that need them will fail" >&2
  fi
fi
export PORTAL_TEST_CHROMIUM=${PORTAL_TEST_CHROMIUM:-$(command -v chromium || echo /usr/bin/chromium)}

echo "Starting PostgreSQL..."
PORTAL_TEST_POSTGRES=$(scripts/postgres.sh start "$work/pg")
export PORTAL_TEST_POSTGRES

rm -rf TestResults
dotnet build Portal.sln -c "$configuration" -nologo -clp:ErrorsOnly
status=0
dotnet test Portal.sln -c "$configuration" --no-build -nologo --filter "Category!=Benchmark" \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory TestResults || status=$?

# One plain summary line over every test project.
python3 - <<'PY' || true
import glob, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob("TestResults/*.trx"):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
    skipped += int(counters.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
