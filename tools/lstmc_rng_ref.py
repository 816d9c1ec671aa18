"""Reference model of the lstmc runtime's random numbers (runtime/rng.c).

Written from the definitions, not translated from the C: Philox4x32-10 from
Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3" (SC'11), and
the stream layout, conversions and polar method as documented in
runtime/lstmc.h. Python ints are exact and Python floats are IEEE doubles
with one rounding per operation, so this reproduces the C bit for bit; the
fixture scripts use it to make test data, and self_check() verifies it
against Random123's published known-answer vectors first.

Pure standard library; import it from the other tools/ scripts.
"""

import math

MASK32 = 0xFFFFFFFF
MASK64 = 0xFFFFFFFFFFFFFFFF

PHILOX_M = (0xD2511F53, 0xCD9E8D57)
PHILOX_W = (0x9E3779B9, 0xBB67AE85)

# Random123 tests/kat_vectors, the "philox4x32 10" lines: counter, key, out.
PHILOX_KAT = [
    ((0x00000000, 0x00000000, 0x00000000, 0x00000000),
     (0x00000000, 0x00000000),
     (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF),
     (0xFFFFFFFF, 0xFFFFFFFF),
     (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
     (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


def philox4x32_10(ctr, key):
    """The Philox4x32 bijection with 10 rounds: 4 words out of 4 + 2 in."""
    x = list(ctr)
    k = list(key)
    for rnd in range(10):
        if rnd > 0:
            k = [(k[0] + PHILOX_W[0]) & MASK32, (k[1] + PHILOX_W[1]) & MASK32]
        p0 = PHILOX_M[0] * x[0]
        p1 = PHILOX_M[1] * x[2]
        x = [(p1 >> 32) ^ x[1] ^ k[0], p1 & MASK32,
             (p0 >> 32) ^ x[3] ^ k[1], p0 & MASK32]
    return tuple(x)


def stream_id(name):
    """64-bit FNV-1a of the UTF-8 bytes of name."""
    h = 0xCBF29CE484222325
    for byte in name.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & MASK64
    return h


def _log_det(x):
    """The runtime's own natural log: only exactly rounded operations."""
    inv_odd = [1.0 / d for d in (3.0, 5.0, 7.0, 9.0, 11.0,
                                 13.0, 15.0, 17.0, 19.0, 21.0)]
    ln2_hi = float.fromhex("0x1.62e42fee00000p-1")
    ln2_lo = float.fromhex("0x1.a39ef35793c76p-33")
    sqrt_half = 0.70710678118654752440
    m, e = math.frexp(x)
    if m < sqrt_half:
        m = math.ldexp(m, 1)
        e -= 1
    f = (m - 1.0) / (m + 1.0)
    f2 = f * f
    p = inv_odd[-1]
    for c in reversed(inv_odd[:-1]):
        p = c + f2 * p
    p = f2 * p
    two_f = 2.0 * f
    de = float(e)
    r = two_f + (two_f * p + de * ln2_lo)
    return de * ln2_hi + r


class Rng:
    """Stream `stream` of seed `seed`: block i is philox((i, stream), seed)."""

    def __init__(self, seed, stream):
        self.key = (seed & MASK32, (seed >> 32) & MASK32)
        self.stream = stream & MASK64
        self.block_index = 0
        self.words = []
        self.spare = None

    def u32(self):
        if not self.words:
            b = self.block_index
            ctr = (b & MASK32, b >> 32,
                   self.stream & MASK32, self.stream >> 32)
            self.words = list(philox4x32_10(ctr, self.key))
            self.block_index = (b + 1) & MASK64
        return self.words.pop(0)

    def u64(self):
        lo = self.u32()
        hi = self.u32()
        return lo | (hi << 32)

    def uniform(self):
        return float(self.u64() >> 11) * 2.0 ** -53

    def uniform_f32(self):
        # (u32 >> 8) has 24 bits: exact as a float32 and as a double.
        return float(self.u32() >> 8) * 2.0 ** -24

    def below(self, bound):
        """Lemire's nearly divisionless method on 64-bit draws."""
        if bound == 0:
            return 0
        m = self.u64() * bound
        lo = m & MASK64
        if lo < bound:
            threshold = (2 ** 64 - bound) % bound
            while lo < threshold:
                m = self.u64() * bound
                lo = m & MASK64
        return m >> 64

    def shuffle(self, items):
        for i in range(len(items), 1, -1):
            j = self.below(i)
            items[i - 1], items[j] = items[j], items[i - 1]

    def normal(self):
        """Marsaglia polar method; the second normal of a pair is kept."""
        if self.spare is not None:
            z, self.spare = self.spare, None
            return z
        while True:
            u = 2.0 * self.uniform() - 1.0
            v = 2.0 * self.uniform() - 1.0
            s = u * u + v * v
            if not (s >= 1.0 or s == 0.0):
                break
        factor = math.sqrt(-2.0 * _log_det(s) / s)
        self.spare = v * factor
        return u * factor

    def truncated_normal(self):
        """A standard normal redrawn until |z| <= 2 (Keras truncated_normal)."""
        while True:
            z = self.normal()
            if abs(z) <= 2.0:
                return z


def _ulps(a, b):
    return abs(a - b) / math.ulp(b)


def self_check():
    """Fail loudly if this model disagrees with the published vectors or if
    its log strays from the platform's log by more than 3 ulp."""
    for ctr, key, want in PHILOX_KAT:
        got = philox4x32_10(ctr, key)
        assert got == want, (ctr, key, [hex(w) for w in got])
    assert stream_id("") == 0xCBF29CE484222325
    assert stream_id("a") == 0xAF63DC4C8601EC8C
    r = Rng(1, 2)
    worst = 0.0
    for _ in range(20000):
        x = r.uniform()
        if x > 0.0:
            worst = max(worst, _ulps(_log_det(x), math.log(x)))
    for x in (0.5, 0.7071067811865476, 0.75, 0.999999, 1e-300, 3.0):
        worst = max(worst, _ulps(_log_det(x), math.log(x)))
    assert worst <= 3.0, worst
    return worst


if __name__ == "__main__":
    print("self-check ok, log within %.2f ulp" % self_check())
