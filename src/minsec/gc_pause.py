"""Pausing Python's cyclic garbage collector while minsec makes many long-lived objects."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: records, their models and the tables made from them
    are many long-lived objects and no cycles, and the collector would walk all of them again
    and again (a quarter of the time of reading 10,000 records; after reading, the walks of
    every record by the collections that follow cost a command 0.1-0.3 s at 10,000 records).
    The collector's state is restored on the way out."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
