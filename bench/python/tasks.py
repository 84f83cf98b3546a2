"""The bench's task functions on the Python side: the seeds' code, at module level so that
process pools can pickle them by name."""

import math
import time


def add_one(x):
    return x + 1


def is_prime(n):
    """The seed's is_prime: trial division up to the square root."""
    if n < 2:
        return False
    for i in range(2, int(n**0.5) + 1):
        if n % i == 0:
            return False
    return True


def compute(n):
    """The seed's compute(n): the sum of sqrt(i) for i < n."""
    return sum(math.sqrt(i) for i in range(n))


def calculate_factorial(n):
    """The seed's factorial example."""
    return math.factorial(n)


def square(number):
    """The seed's square."""
    return number**2


def spin(ms):
    end = time.perf_counter() + ms / 1000
    x = 0
    while time.perf_counter() < end:
        x += 1
    return x
