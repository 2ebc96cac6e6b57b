"""Charts drawn once: an SVG kept in this process' memory by a key that names what it shows (the chart,
its size and language, and a digest or version of its data), the least recently used dropped first."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class DrawnOnce:
    def __init__(self, size: int):
        self.size = size
        self._bodies: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, draw: Callable[[], str]) -> str:
        """The SVG for `key`, drawn by `draw()` the first time (outside the lock: drawing is slow)."""
        with self._lock:
            if key in self._bodies:
                self._bodies.move_to_end(key)
                return self._bodies[key]
        body = draw()
        with self._lock:
            self._bodies[key] = body
            while len(self._bodies) > self.size:
                self._bodies.popitem(last=False)
        return body

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
