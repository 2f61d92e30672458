#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, types, import boundaries, AsyncAPI documents,
# then every test on a real Kafka broker and a real PostgreSQL (started by the fixtures
# from deploy/kafka and deploy/postgres, or taken from TEST_KAFKA_BOOTSTRAP_SERVERS and
# TEST_POSTGRES_URL). Extra arguments go to pytest, e.g. `deploy/test.sh -k outbox`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=deploy/bootstrap.sh
source "$ROOT/deploy/bootstrap.sh"
cd "$ROOT"

# The console's browser tests drive Debian's Chromium (tests/e2e/console/).
command -v chromium >/dev/null || apt_install chromium

start=$(date +%s)
say "ruff"
uv run ruff check .
uv run ruff format --check .
say "mypy (strict)"
uv run mypy shared/src services/demand/src services/contracts/src services/notifications/src services/console/src tests bench
say "import boundaries"
uv run lint-imports
say "pytest (real Kafka and PostgreSQL)"
set +e
uv run pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  die "pytest collected no tests"
fi
if [ "$status" -eq 0 ] && [ "$#" -eq 0 ]; then
  # The tests that need no broker once more, on SQLite, on a day years ahead: a test that
  # holds only in the year it was written fails here rather than years later. Left out for
  # technical reasons, not dates: tests on the Kafka broker (it keeps real time and refuses
  # records stamped years ahead, InvalidTimestampError), PostgreSQL's variants (the same
  # tests run on SQLite here) and tests that start service processes (test_production_defaults,
  # e2e, edge, the dispatcher processes), which take minutes.
  ahead="$(date -u -d "+7 years +123 days" '+%Y-%m-%d %H:%M:%S')"
  say "pytest, the tests without a broker, on $ahead (faketime)"
  set +e
  faketime -f "@$ahead" uv run pytest -q -p no:cacheprovider -k "not postgresql" \
    tests/shared/unit \
    tests/demand --ignore=tests/demand/integration/test_batch_aggregation.py \
    --ignore=tests/demand/integration/test_unplaceable_needs.py \
    --ignore=tests/demand/integration/test_concurrent_aggregators.py \
    tests/contracts --ignore=tests/contracts/integration/test_unappliable_events.py \
    tests/notifications --ignore=tests/notifications/integration/test_on_kafka_and_postgres.py \
    --ignore=tests/notifications/integration/test_dispatcher_processes.py \
    --ignore=tests/notifications/integration/test_app.py
  status=$?
  set -e
fi
say "finished in $(( $(date +%s) - start ))s with status $status"
exit "$status"
