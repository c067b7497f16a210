"""How fast this device runs this model, measured so that other load on the machine does not change it.

Running and build costs are priced from counted work (tokens read and generated, training FLOPs) divided by
the throughput measured here, not from one evaluation's wall clock, which a busy machine inflates at random.

On the CPU each probe runs on one thread and is timed in that thread's CPU time, which other processes do not
inflate (they take turns on the cores, they do not make our instructions slower); the machine's rate is the
single-thread rate times the threads torch uses. On a GPU probes are timed with CUDA events. Either way the
best of several short probes is kept, and the result is cached per device, dtype, model and torch version.
"""

from __future__ import annotations

import hashlib
import json
import time

import torch

from tunewise.core.fetch import atomic_write_text
from tunewise.core.home import cache_dir
from tunewise.core.throughput import Throughput

PROBES = 5
READ_SHAPE = (4, 16)  # rows x tokens of one batched forward
GENERATE_ROWS, GENERATE_STEPS = 4, 8
MIN_PROBE_SECONDS = 0.05


def calibrate(backend, refresh: bool = False, keep: bool = True, threads: int | None = None) -> Throughput:
    """The cached throughput of ``backend``'s network on its device, measured first when there is none
    (``refresh``: measured again; ``keep=False``: the new measurement does not replace the cached one).
    ``threads``: the CPU threads the price assumes, when not the ones this process uses (an executor's worker
    shares the machine with others, but a deployed model gets the whole machine, as in a local run)."""
    placement, params = backend.placement, backend.parameter_count()
    key = {
        "hardware": placement.record()["hardware"],
        "device": str(placement.device),
        "dtype": placement.dtype_name,
        "threads": (threads or torch.get_num_threads()) if placement.device.type == "cpu" else 1,
        "model": backend.name,
        "params": params,
        "torch": torch.__version__,
    }
    path = (
        cache_dir("calibration") / f"{hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]}.json"
    )
    if path.exists() and not refresh:
        return Throughput(**json.loads(path.read_text(encoding="utf-8")))
    read, generate, method = _measure(backend.model, placement.device, params)
    threads = key["threads"]
    found = Throughput(
        key["hardware"], key["device"], key["dtype"], threads, read * threads, generate * threads, method
    )
    if keep:
        atomic_write_text(path, json.dumps(found.as_dict()))
    return found


def _measure(model, device: torch.device, params: int) -> tuple[float, float, str]:
    vocab = model.config.vocab_size
    rows, length = READ_SHAPE
    ids = torch.randint(0, vocab, (rows, length), device=device)
    step = torch.randint(0, vocab, (GENERATE_ROWS, 1), device=device)
    prompt = ids[:GENERATE_ROWS]

    def read():
        model(input_ids=ids)

    def generate():
        cache = model(input_ids=prompt, use_cache=True).past_key_values
        for _ in range(GENERATE_STEPS):
            cache = model(input_ids=step, past_key_values=cache, use_cache=True).past_key_values

    timer = _cuda_time if device.type == "cuda" else _cpu_time
    with torch.inference_mode(), _one_thread(device):
        for warm_up in (read, read, generate):  # allocations, kernel selection, caches
            warm_up()
        read_seconds = min(_probe(timer, device, read) for _ in range(PROBES))
        generate_seconds = min(_probe(timer, device, generate) for _ in range(PROBES))
    what = "CUDA events" if device.type == "cuda" else "CPU time of one thread x torch threads"
    read_rate = 2 * params * rows * length / read_seconds
    # A generation probe also reads its prompt once; its share is small next to the steps and is counted as theirs.
    generate_rate = 2 * params * GENERATE_ROWS * GENERATE_STEPS / generate_seconds
    return read_rate, generate_rate, f"{what}, best of {PROBES} probes"


def _probe(timer, device, run) -> float:
    """Seconds one ``run`` takes, averaged over enough repetitions to last ``MIN_PROBE_SECONDS`` (a small model's
    single pass is too short for a clock to time reliably)."""
    repeats, spent = 0, 0.0
    while spent < MIN_PROBE_SECONDS:
        spent += timer(device, run)
        repeats += 1
    return spent / repeats


def _cpu_time(device, run) -> float:
    started = time.thread_time()
    run()
    return time.thread_time() - started


def _cuda_time(device, run) -> float:
    begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    begin.record()
    run()
    end.record()
    torch.cuda.synchronize(device)
    return begin.elapsed_time(end) / 1000


class _one_thread:
    """Probes on the CPU run on one thread, so its CPU time is the whole of the work."""

    def __init__(self, device: torch.device):
        self.cpu, self.before = device.type == "cpu", torch.get_num_threads()

    def __enter__(self):
        if self.cpu:
            torch.set_num_threads(1)

    def __exit__(self, *exc):
        torch.set_num_threads(self.before)
