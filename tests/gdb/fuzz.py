#!/usr/bin/env python3
"""Protocol fuzzer for the GDB stub (run by fuzz.sh).

Sends random and mutated packets (bad checksums, truncated and oversized
packets, garbage, escapes, stray 0x03 and acks, and mutations of real
commands) to a running stub. After every item a probe packet must be
answered correctly: the stub answers or drops, never crashes or hangs.
Finally the guest must still be running, and a reconnect must work.
Packets that legitimately stop or change the guest (continue/step/kill/
detach, register and memory writes, breakpoints, monitor commands) are
filtered out of the random mutations; malformed forms of them are sent on
purpose from a fixed list.

usage: fuzz.py PORT SPIN_FLAG_ADDR SPIN_COUNT_ADDR [SEED]
"""
import random
import socket
import sys

PORT = int(sys.argv[1])
SPIN_FLAG = int(sys.argv[2], 0)
SPIN_COUNT = int(sys.argv[3], 0)
SEED = int(sys.argv[4]) if len(sys.argv) > 4 else 1234
rng = random.Random(SEED)
failures = 0


def report(ok, name):
    global failures
    print(("PASS " if ok else "FAIL ") + name, flush=True)
    if not ok:
        failures += 1


def frame(payload: bytes) -> bytes:
    return b"$" + payload + b"#%02x" % (sum(payload) & 0xFF)


class Conn:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", PORT))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.noack = False

    def send(self, data: bytes):
        self.s.sendall(data)

    def _byte(self) -> int:
        if not self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("stub closed the connection")
            self.buf = chunk
        b = self.buf[0]
        self.buf = self.buf[1:]
        return b

    def packet(self) -> bytes:
        """Next well-formed packet from the stub (acks skipped)."""
        while True:
            c = self._byte()
            if c != ord("$"):
                continue
            data = bytearray()
            while True:
                c = self._byte()
                if c == ord("#"):
                    break
                data.append(c)
            cs = bytes([self._byte(), self._byte()])
            if int(cs, 16) != sum(data) & 0xFF:
                raise ValueError("stub sent a bad checksum")
            if not self.noack:
                self.send(b"+")
            return bytes(data)

    def cmd(self, payload: bytes, skip_stops=True) -> bytes:
        self.send(frame(payload))
        while True:
            p = self.packet()
            # asynchronous stop replies and console output (but "OK" is a reply)
            if skip_stops and (p[:1] in (b"T", b"S") or (p[:1] == b"O" and p != b"OK")):
                continue
            return p

    def probe(self) -> bool:
        """A read that must come back with the known value (resyncs the stream).
        Its length changes every time: a stray '-' in the fuzz makes the stub
        resend its previous reply, which must not pass for this one."""
        self.nprobe = getattr(self, "nprobe", 0) + 1
        n = 1 + self.nprobe % 4
        want = b"01" + b"00" * (n - 1)
        self.send(frame(b"m%x,%x" % (SPIN_FLAG, n)))
        for _ in range(10000):
            if self.packet() == want:
                return True
        return False

    def spin_count(self) -> int:
        """The guest's loop counter: the last 8-digit reply before the probe's."""
        self.send(frame(b"m%x,4" % SPIN_COUNT) + frame(b"m%x,2" % SPIN_FLAG))
        val = -1
        while True:
            p = self.packet()
            if p == b"0100" and val >= 0:
                return val
            if len(p) == 8 and all(chr(c) in "0123456789abcdef" for c in p):
                val = int.from_bytes(bytes.fromhex(p.decode()), "little")

    def close(self):
        self.s.close()


SEEDS = [
    b"?", b"g", b"p8", b"p29", b"p3f", b"p1000", b"m100000,10", b"m0,1", b"mffffffff,4",
    b"m80000000,100", b"qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386",
    b"qXfer:features:read:target.xml:0,ffb", b"qXfer:features:read:i386-core.xml:100,80",
    b"qXfer:features:read:nosuch.xml:0,10", b"qAttached", b"qAttached:1", b"qC",
    b"qfThreadInfo", b"qsThreadInfo", b"qOffsets", b"qSymbol::", b"qqemu.PhyMemMode",
    b"Qqemu.PhyMemMode:0", b"vCont?", b"vMustReplyEmpty", b"Hg0", b"Hc-1", b"T1", b"T2",
    b"qThreadExtraInfo,1", b"qTStatus", b"qL1200000000000000000",
]
# malformed forms of state-changing packets: each must get an error or be ignored
MALFORMED = [
    b"M100000,4:zzzzzzzz", b"M100000,4:00", b"Mzz,4:00000000", b"M,:", b"X100000,4:", b"X100000,zz:",
    b"Xffffffff,8:abcdefgh", b"P8=zz", b"P1000=00000000", b"P8=0011", b"Gzz", b"G" + b"0" * 7,
    b"Z9,100000,1", b"Z0,,", b"Z0,100000", b"Z2,100000,0", b"Z2,ffffffff,8", b"z0,1,1", b"z2,100,4",
    b"Z0,123456789abcdef01,1", b"m123456789abcdef012,4", b"m100000", b"m,", b"mzz,4",
    b"qXfer:features:read:target.xml:zz,10", b"qXfer:features:read:target.xml", b"qRcmd,zz",
    b"qRcmd,6", b"vCont;x", b"vCont;", b"vCont;c:2", b"C", b"S", b"Qqemu.PhyMemMode:5",
    b"p", b"P", b"H", b"T", b"qXfer:features:read:target.xml:ffffffff,ffffffff",
]
FORBIDDEN_FIRST = set(b"GPMXkDRrcCsSiIt!AbBZ")
FORBIDDEN_PREFIX = (b"vKill", b"vCont;", b"vRun", b"vAttach", b"vStopped", b"vFile", b"qRcmd", b"QStartNoAckMode")


def allowed(p: bytes) -> bool:
    if not p or p[0] in FORBIDDEN_FIRST:
        return False
    return not p.startswith(FORBIDDEN_PREFIX)


def mutate(p: bytes) -> bytes:
    b = bytearray(p)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        if op == 0 and b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            b.insert(rng.randint(0, len(b)), rng.randrange(256))
        elif op == 2 and b:
            del b[rng.randrange(len(b))]
        elif op == 3 and b:
            b = b[: rng.randrange(len(b) + 1)]
        elif op == 4:
            b += bytes(rng.choice(b",:;=}#$*0123456789abcdefxyz-") for _ in range(rng.randint(1, 12)))
        else:
            i = rng.randint(0, len(b))
            b[i:i] = rng.choice([b"}", b"}]", b"}\x03", b"\x03", b"*", b"ffffffff", b",", b":"])
    return bytes(b)


def raw_item() -> bytes:
    """A byte sequence that is not a well-formed allowed packet."""
    kind = rng.randrange(8)
    p = mutate(rng.choice(SEEDS))
    if kind == 6 and not allowed(p):  # this one ends in a complete, valid packet
        p = b"?"
    if kind == 0:  # bad checksum
        f = bytearray(frame(p))
        f[-1] = ord("0") if f[-1] != ord("0") else ord("1")
        return bytes(f)
    if kind == 1:  # truncated: no checksum, or no end at all
        return frame(p)[: rng.randint(1, len(p) + 2)]
    if kind == 2:  # garbage
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))).replace(b"\x03", b"")
    if kind == 3:  # oversized
        return frame(b"m" + b"0" * rng.randint(0x4001, 0x6000))
    if kind == 4:  # non-hex checksum digits
        return b"$" + p + b"#" + bytes([rng.choice(b"gz$#"), rng.choice(b"0x}")])
    if kind == 5:  # stray acks and naks
        return bytes(rng.choice(b"+-") for _ in range(rng.randint(1, 5)))
    if kind == 6:  # a packet opened inside another
        return b"$" + p[: len(p) // 2] + frame(p)
    return b"$" + bytes(rng.randrange(256) for _ in range(rng.randint(0, 40))).replace(b"\x03", b"") + b"#"


def fuzz_round(c: Conn, n: int, label: str):
    alive = True
    for i in range(n):
        r = rng.random()
        if r < 0.35:
            c.send(raw_item())
        elif r < 0.5:
            c.send(frame(rng.choice(MALFORMED)))
        else:
            p = mutate(rng.choice(SEEDS))
            if allowed(p):
                c.send(frame(p))
        if not c.probe():
            alive = False
            break
    report(alive, "stub answers after %d %s fuzz items (seed %d)" % (n, label, SEED))


def main():
    c = Conn()
    c.cmd(b"qSupported:swbreak+;hwbreak+")
    report(c.cmd(b"M%x,4:01000000" % SPIN_FLAG) == b"OK", "ask the guest to spin")
    c.send(frame(b"c"))  # running from now on

    fuzz_round(c, 600, "running")
    c.send(frame(b"c"))  # a stray 0x03 in the fuzz may have stopped it (as it should)
    before = c.spin_count()
    after = before
    for _ in range(100):
        after = c.spin_count()
        if after != before:
            break
    report(after != before, "guest keeps running during the fuzz (%d -> %d)" % (before, after))

    # stop it, fuzz while stopped (including 0x03 noise), then it must still run on
    c.send(b"\x03")
    while c.packet()[:1] != b"T":
        pass
    fuzz_round(c, 1500, "stopped")
    c.send(frame(b"c"))
    before = c.spin_count()
    for _ in range(100):
        after = c.spin_count()
        if after != before:
            break
    report(after != before, "guest runs after continue (%d -> %d)" % (before, after))

    # drop the connection in the middle of a packet, then reconnect
    c.send(b"$m10000")
    c.close()
    c = Conn()
    c.cmd(b"qSupported")
    report(c.cmd(b"?", skip_stops=False)[:1] == b"T", "reconnect after a close mid-packet")
    report(c.probe(), "new connection answers")
    c.cmd(b"QStartNoAckMode")
    c.noack = True
    fuzz_round(c, 300, "no-ack mode")
    c.cmd(b"D")
    c.close()
    return failures


if __name__ == "__main__":
    try:
        sys.exit(1 if main() else 0)
    except (EOFError, ValueError, OSError) as e:
        print("FAIL fuzz: %s" % e)
        sys.exit(1)
