"""A mergeable latency histogram in the HdrHistogram style (log-linear buckets).

Values are integer microseconds. Below 256 µs every value has its own bucket; above,
each power of two is split into 128 buckets, so a bucket is at most 1/128 (0.78 %) of
its lower bound wide and a value read back from its bucket's midpoint is within 0.4 %.
Values above ``MAX_TRACKABLE_US`` (5 minutes) are clamped into the top bucket and
counted in ``clamped_count``: never dropped silently. Negative values count as 0.
"""
from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable
from itertools import accumulate

SUB_BUCKET_BITS = 7
_SUB_HALF = 1 << SUB_BUCKET_BITS  # 128
_SUB_FULL = _SUB_HALF << 1  # 256
MAX_TRACKABLE_US = 300_000_000  # 5 min


def bucket_index(value_us: int) -> int:
    """Index of the bucket holding ``value_us`` (an int >= 0)."""
    if value_us < _SUB_FULL:
        return value_us
    shift = value_us.bit_length() - (SUB_BUCKET_BITS + 1)
    # == _SUB_FULL + (shift - 1) * _SUB_HALF + ((value_us >> shift) - _SUB_HALF)
    return shift * _SUB_HALF + (value_us >> shift)


def bucket_bounds_us(index: int) -> tuple[int, int]:
    """Inclusive lower and exclusive upper bound, in µs, of bucket ``index``."""
    if index < _SUB_FULL:
        return index, index + 1
    shift = (index - _SUB_FULL) // _SUB_HALF + 1
    sub = index - shift * _SUB_HALF
    return sub << shift, (sub + 1) << shift


_MAX_INDEX = bucket_index(MAX_TRACKABLE_US)


class Histogram:
    """Counts of latency samples by bucket. ``record`` is on the load generator's hot path."""

    __slots__ = ("clamped_count", "counts", "max_us", "min_us", "sum_us", "total_count")

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.total_count = 0
        self.clamped_count = 0
        self.min_us = 0
        self.max_us = 0
        self.sum_us = 0

    def record(self, value_us: int) -> None:
        if value_us < _SUB_FULL:
            if value_us < 0:
                value_us = 0
            index = value_us
        else:
            if value_us > MAX_TRACKABLE_US:
                self.clamped_count += 1
                value_us = MAX_TRACKABLE_US
            shift = value_us.bit_length() - 8
            index = (shift << 7) + (value_us >> shift)  # bucket_index(), inlined
        counts = self.counts
        counts[index] = counts.get(index, 0) + 1
        if self.total_count == 0 or value_us < self.min_us:
            self.min_us = value_us
        if value_us > self.max_us:  # comparisons, not max(): a builtin call costs more on the hot path
            self.max_us = value_us
        self.total_count += 1
        self.sum_us += value_us

    def merge(self, other: Histogram) -> None:
        """Add every count of ``other`` into this histogram (exact, associative)."""
        if other.total_count == 0:
            return
        if self.total_count == 0:  # into an empty one (a fresh second or total): a plain copy
            self.counts = dict(other.counts)
            self.min_us, self.max_us, self.total_count = other.min_us, other.max_us, other.total_count
            self.clamped_count, self.sum_us = other.clamped_count, other.sum_us
            return
        counts = self.counts
        for index, count in other.counts.items():
            counts[index] = counts.get(index, 0) + count
        if self.total_count == 0 or other.min_us < self.min_us:
            self.min_us = other.min_us
        self.max_us = max(self.max_us, other.max_us)
        self.total_count += other.total_count
        self.clamped_count += other.clamped_count
        self.sum_us += other.sum_us

    def copy(self) -> Histogram:
        clone = Histogram()
        clone.merge(self)
        return clone

    def percentile_us(self, percent: float) -> float:
        """The value at ``percent`` (0-100): the midpoint of the bucket holding that rank,
        clamped to the exact min and max seen. 0.0 for an empty histogram."""
        if self.total_count == 0:
            return 0.0
        if percent <= 0:
            return float(self.min_us)
        if percent >= 100:
            return float(self.max_us)
        rank = max(1, -(-self.total_count * percent // 100))  # ceil, at least the first sample
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= rank:
                low, high = bucket_bounds_us(index)
                mid = (low + high - 1) / 2
                return float(min(max(mid, self.min_us), self.max_us))
        return float(self.max_us)

    def mean_us(self) -> float:
        return self.sum_us / self.total_count if self.total_count else 0.0

    def encode(self) -> str:
        """A compact text form: delta-coded "index:count" pairs, zlib, base64."""
        parts: list[str] = []
        previous = 0
        for index in sorted(self.counts):
            parts.append(f"{index - previous}:{self.counts[index]}")
            previous = index
        header = f"{self.total_count},{self.clamped_count},{self.min_us},{self.max_us},{self.sum_us}"
        raw = (header + "|" + ",".join(parts)).encode()
        return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> Histogram:
        """Inverse of ``encode``; raises ValueError on anything malformed."""
        try:
            raw = zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True)).decode()
            header, _, body = raw.partition("|")
            total, clamped, low, high, total_sum = (int(x) for x in header.split(","))
            hist = cls()
            index = 0
            for pair in filter(None, body.split(",")):
                delta, count = pair.split(":")
                index += int(delta)
                if int(delta) < 0 or int(count) <= 0 or index > _MAX_INDEX:
                    raise ValueError(f"bad bucket {pair!r}")
                hist.counts[index] = int(count)
        except (ValueError, zlib.error, UnicodeDecodeError) as error:
            raise ValueError(f"malformed histogram: {error}") from None
        if sum(hist.counts.values()) != total or not 0 <= clamped <= total:
            raise ValueError("malformed histogram: counts do not add up to its total")
        hist.total_count, hist.clamped_count = total, clamped
        hist.min_us, hist.max_us, hist.sum_us = low, high, total_sum
        return hist

    def to_list(self) -> list[int]:
        """The form inside shards (already gzipped as a whole, so no zlib or base64 of its own):
        total, clamped, min, max, sum, then delta-coded index and count pairs."""
        flat = [self.total_count, self.clamped_count, self.min_us, self.max_us, self.sum_us]
        previous = 0
        for index in sorted(self.counts):
            flat += (index - previous, self.counts[index])
            previous = index
        return flat

    @classmethod
    def from_list(cls, flat: list[int]) -> Histogram:
        """Inverse of ``to_list``; raises ValueError on anything malformed. Checked with
        built-ins over whole lists: a collector reads millions of these."""
        if not isinstance(flat, list) or len(flat) < 5 or len(flat) % 2 == 0 or set(map(type, flat)) != {int}:
            raise ValueError("malformed histogram: expected a list of integers")
        total, clamped, low, high, total_sum = flat[:5]
        deltas, counts = flat[5::2], flat[6::2]
        if deltas and (min(deltas) < 0 or min(counts) <= 0 or sum(deltas) > _MAX_INDEX):
            raise ValueError("malformed histogram: a bucket out of range")
        hist = cls()
        hist.counts = dict(zip(accumulate(deltas), counts, strict=True))
        if len(hist.counts) != len(counts) or sum(counts) != total or not 0 <= clamped <= total:
            raise ValueError("malformed histogram: counts do not add up to its total")
        hist.total_count, hist.clamped_count = total, clamped
        hist.min_us, hist.max_us, hist.sum_us = low, high, total_sum
        return hist

    @classmethod
    def read(cls, value: object) -> Histogram:
        """Either form: the list inside shards, or the text of ``encode`` (result documents)."""
        return cls.from_list(value) if isinstance(value, list) else cls.decode(str(value))

    @classmethod
    def of(cls, values_us: Iterable[int]) -> Histogram:
        hist = cls()
        for value in values_us:
            hist.record(value)
        return hist
