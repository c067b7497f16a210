"""Answers already paid for, kept on disk (SQLite) by the exact request: a re-run, a resumed run or a repeated
prompt costs nothing twice. Only deterministic requests (temperature 0) are sent, so a kept answer is the answer.
The file holds the user's prompts: it is readable by its owner only. Keys are hashes; the API key is never part
of a request body, so it is never kept."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path


class ResponseCache:
    def __init__(self, path: Path):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # created private, never readable by others
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, response TEXT, created REAL)")
        self._lock = threading.Lock()

    @staticmethod
    def key(base_url: str, endpoint: str, body: dict, namespace: str | None = None) -> str:
        request = {"url": base_url.rstrip("/"), "endpoint": endpoint, "body": body}
        request = json.dumps(request | ({"namespace": namespace} if namespace else {}), sort_keys=True)
        return hashlib.sha256(request.encode()).hexdigest()

    def get(self, key: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, response: dict) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?)", (key, json.dumps(response), time.time())
            )
