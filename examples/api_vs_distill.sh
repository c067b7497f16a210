#!/usr/bin/env bash
# The demo's runs (made first if needed) served over the OpenAI API on 127.0.0.1:8100 as the "strong model",
# examples/api_vs_distill.yaml run against them, the server stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
"$BIN/tunewise" run examples/rotten_tomatoes.yaml   # skips what is already completed
"$BIN/tunewise" serve rotten_tomatoes_demo --port 8100 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
"$BIN/python" - <<'PY'
import sys, time, httpx
for _ in range(120):
    try:
        if httpx.get("http://127.0.0.1:8100/v1/models", timeout=1).status_code == 200:
            sys.exit(0)
    except httpx.HTTPError:
        pass
    time.sleep(1)
sys.exit("the model server did not start on 127.0.0.1:8100")
PY
"$BIN/tunewise" run examples/api_vs_distill.yaml "$@"
