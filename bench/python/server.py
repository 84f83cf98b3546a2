"""The Python contenders of the bench, driven by the Node scenarios.

Reads one JSON command per line on stdin, runs it, and answers one JSON line on stdout, so the
Node side can interleave Python with the other contenders (A B A B ...) in one invocation.
Times are measured here with perf_counter, in milliseconds, and exclude the interpreter's own
start-up (as the Node figures exclude Node's).
"""

import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, wait
from multiprocessing import Pool
from multiprocessing.pool import ThreadPool

import tasks

TASKS = {
    "addOne": tasks.add_one,
    "isPrime": tasks.is_prime,
    "sqrtSum": tasks.compute,
    "factorial": tasks.calculate_factorial,
    "square": tasks.square,
    "spin": tasks.spin,
}


def make(executor, workers):
    if executor == "ThreadPoolExecutor":
        return ThreadPoolExecutor(max_workers=workers)
    if executor == "ProcessPoolExecutor":
        return ProcessPoolExecutor(max_workers=workers)
    if executor == "Pool":
        return Pool(processes=workers)
    if executor == "ThreadPool":
        return ThreadPool(processes=workers)
    raise ValueError(f"unknown executor {executor}")


def close(pool):
    if isinstance(pool, (ThreadPoolExecutor, ProcessPoolExecutor)):
        pool.shutdown(wait=True)
    else:
        pool.close()
        pool.join()


def submit_all(pool, fn, inputs):
    if isinstance(pool, (ThreadPoolExecutor, ProcessPoolExecutor)):
        futures = [pool.submit(fn, x) for x in inputs]
        wait(futures)
        return [f.result() for f in futures]
    results = [pool.apply_async(fn, (x,)) for x in inputs]
    return [r.get() for r in results]


def map_all(pool, fn, inputs, chunksize):
    if isinstance(pool, (ThreadPoolExecutor, ProcessPoolExecutor)):
        return list(pool.map(fn, inputs, chunksize=chunksize or 1))
    if chunksize is None:
        return pool.map(fn, inputs)  # Pool.map picks its chunksize: len / (4 * processes)
    return pool.map(fn, inputs, chunksize)


def run_batch(pool, fn, inputs, api, chunksize):
    if api == "submit":
        return submit_all(pool, fn, inputs)
    return map_all(pool, fn, inputs, chunksize)


def ms_since(start):
    return (time.perf_counter() - start) * 1000


def tiny(cmd):
    """n tiny tasks through a warm pool."""
    pool = make(cmd["executor"], cmd["workers"])
    inputs = list(range(cmd["n"]))
    run_batch(pool, tasks.add_one, inputs[: cmd.get("warm", 200)], cmd["api"], cmd.get("chunksize"))
    start = time.perf_counter()
    results = run_batch(pool, tasks.add_one, inputs, cmd["api"], cmd.get("chunksize"))
    elapsed = ms_since(start)
    close(pool)
    assert results[-1] == cmd["n"]
    return {"ms": elapsed}


def workload(cmd):
    """A seed workload: cold (pool created, first run, shut down) and warm (a second run)."""
    fn = TASKS[cmd["task"]]
    inputs = cmd["inputs"]
    if isinstance(inputs, dict):
        inputs = list(range(*inputs["range"]))
    api = cmd.get("api", "map")
    chunksize = cmd.get("chunksize")
    if cmd["executor"] == "serial":
        start = time.perf_counter()
        first = [fn(x) for x in inputs]
        cold = ms_since(start)
        start = time.perf_counter()
        [fn(x) for x in inputs]
        warm = ms_since(start)
        return {"coldMs": cold, "warmMs": warm, "e2eMs": cold, "check": check(first)}
    start = time.perf_counter()
    pool = make(cmd["executor"], cmd["workers"])
    first = run_batch(pool, fn, inputs, api, chunksize)
    cold = ms_since(start)
    start = time.perf_counter()
    run_batch(pool, fn, inputs, api, chunksize)
    warm = ms_since(start)
    start = time.perf_counter()
    close(pool)
    shutdown = ms_since(start)
    return {"coldMs": cold, "warmMs": warm, "e2eMs": cold + shutdown, "check": check(first)}


def check(results):
    """A small fingerprint of the results, so both sides can be seen to compute the same."""
    last = results[-1]
    if isinstance(last, bool):
        return sum(1 for r in results if r)
    if isinstance(last, int) and last.bit_length() > 53:
        return sum(r.bit_length() for r in results)
    return float(sum(results))


def startup(cmd):
    """Creating a pool to its first result, then shutting it down."""
    start = time.perf_counter()
    pool = make(cmd["executor"], cmd["workers"])
    if isinstance(pool, (ThreadPoolExecutor, ProcessPoolExecutor)):
        pool.submit(tasks.add_one, 1).result()
    else:
        pool.apply_async(tasks.add_one, (1,)).get()
    first = ms_since(start)
    start = time.perf_counter()
    close(pool)
    return {"firstMs": first, "shutdownMs": ms_since(start)}


HANDLERS = {"tiny": tiny, "workload": workload, "startup": startup}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        try:
            reply = HANDLERS[cmd["op"]](cmd)
        except Exception as error:  # reported to the Node side, which fails the scenario
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
