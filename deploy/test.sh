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

start=$(date +%s)
say "ruff"
uv run ruff check .
uv run ruff format --check .
say "mypy (strict)"
uv run mypy shared/src services/demand/src services/contracts/src services/notifications/src tests
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
say "finished in $(( $(date +%s) - start ))s with status $status"
exit "$status"
