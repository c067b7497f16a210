"""A bounded load test of `tunewise serve` on 127.0.0.1: a fixed number of chat requests from 1 and from N
concurrent clients (the official openai client), reporting throughput and p50/p95/p99 latency. Stops by itself.

    .venv/bin/python bench/serve_load.py rotten_tomatoes_demo --model rotten_tomatoes_demo/lora \\
        [--requests 64] [--clients 1 16]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import openai

from tunewise.data.catalog import DATASETS
from tunewise.data.examples import load_examples


def start(target: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "tunewise.cli", "serve", target, "--port", str(port)])
    url = f"http://127.0.0.1:{port}/v1"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{url}/models", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not come up")


def load(url: str, model: str, texts: list[str], clients: int) -> dict:
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)

    def ask(text: str) -> float:
        started = time.perf_counter()
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = list(pool.map(ask, texts))
    seconds = time.perf_counter() - started
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) * 1000
    return {"clients": clients, "requests": len(texts), "rps": len(texts) / seconds, "p50": p50, "p95": p95, "p99": p99}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", help="experiment name or run id to serve")
    parser.add_argument("--model", required=True, help="model id to ask, e.g. rotten_tomatoes_demo/lora")
    parser.add_argument("--requests", type=int, default=64)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16])
    args = parser.parse_args()
    texts = [e.fields["text"] for e in load_examples(DATASETS.get("rotten_tomatoes").fetch())[: args.requests]]
    server, url = start(args.target)
    try:
        load(url, args.model, texts[:4], 1)  # warm-up
        rows = [load(url, args.model, texts, clients) for clients in args.clients]
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"{args.model}, {args.requests} requests each")
    print("| concurrent clients | requests/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['clients']} | {r['rps']:.1f} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} |")


if __name__ == "__main__":
    main()
