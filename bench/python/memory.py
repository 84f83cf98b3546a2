"""One memory measurement on the Python side, in a process of its own: map `x + 1` over a lazy
input of N integers, consuming the results as they come. Prints {"peakRssMb", "ms"}.

Usage: python3 memory.py <ProcessPoolExecutor|Pool> <n> <chunksize>
"""

import json
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import Pool

import tasks


def main():
    executor, n, chunksize = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    inputs = (i for i in range(n))
    start = time.perf_counter()
    total = 0
    if executor == "ProcessPoolExecutor":
        with ProcessPoolExecutor(max_workers=2) as pool:
            for value in pool.map(tasks.add_one, inputs, chunksize=chunksize):
                total += value
    else:
        with Pool(processes=2) as pool:
            for value in pool.imap(tasks.add_one, inputs, chunksize):
                total += value
    elapsed = (time.perf_counter() - start) * 1000
    assert total == n * (n + 1) // 2
    # ru_maxrss is in KiB on Linux; this is the main process only, as on the Node side.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peakRssMb": peak, "ms": elapsed}))


if __name__ == "__main__":
    main()
