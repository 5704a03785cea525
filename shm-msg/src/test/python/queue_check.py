"""Driven by PythonQueueInteropTest: the Python end of queues that JVMs write or read.

usage: queue_check.py PYTHON_DIR SCENARIO SEGMENT_DIR NAME [ARGS...]

Messages are those of Checksummed.java: seq (i64), producer (i32), length (i32), fill bytes
derived from all three, and the FNV-1a 64 hash of everything before it, type 1 + producer.
Exit 0 when every check passed; otherwise the scenario prints "CHECK FAILED: ..." and exits 1
(the scenario "refuse-many" exits 3 with the refusal's message).
"""
import ctypes
import os
import struct
import sys
import time

sys.path.insert(0, sys.argv[1])
import shmkit  # noqa: E402

if hasattr(sys.stdout, "reconfigure"):
    sys.stdout.reconfigure(encoding="utf-8", errors="backslashreplace", line_buffering=True)

MASK64 = (1 << 64) - 1
RAMP = bytes(range(256)) * 2
TIMEOUT = 120.0          # no single wait of a healthy run comes near this


def check(ok, what):
    if not ok:
        print("CHECK FAILED:", what)
        sys.exit(1)


# ---------------------------------------------------------------------------------------------
# Checksummed.java

def cs_length(seq):
    return 24 + (seq * 7919) % 97


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & MASK64
    return h


def cs_fill(producer, seq, length):
    base = (seq * 31 + producer * 17 + 16) & 0xFF
    return RAMP[base:base + length - 24]


def cs_message(producer, seq):
    length = cs_length(seq)
    body = struct.pack("<qii", seq, producer, length) + cs_fill(producer, seq, length)
    return body + struct.pack("<Q", fnv1a(body))


def cs_problem(data):
    """None if data is an intact message, else what is wrong with it (as Checksummed.check)."""
    n = len(data)
    if n < 24:
        return "a message of %d bytes" % n
    seq, producer, stated = struct.unpack_from("<qii", data)
    if stated != n or stated != cs_length(seq):
        return "seq %d of producer %d is %d bytes, states %d, should be %d" % (seq, producer, n, stated, cs_length(seq))
    if data[16:n - 8] != cs_fill(producer, seq, n):
        return "seq %d of producer %d has a wrong fill byte" % (seq, producer)
    if struct.unpack_from("<Q", data, n - 8)[0] != fnv1a(data[:n - 8]):
        return "seq %d of producer %d fails its hash" % (seq, producer)
    return None


class Verifier:
    """Each producer's messages intact, in order, without gaps or duplicates, from first[p]."""

    def __init__(self, first):
        self.next = list(first)
        self.total = 0

    def __call__(self, type_, data):
        self.total += 1
        problem = cs_problem(data)
        check(problem is None, "torn message #%d: %s" % (self.total, problem))
        seq, producer = struct.unpack_from("<qi", data)
        check(0 <= producer < len(self.next) and type_ == 1 + producer,
              "message #%d: producer %d with type %d" % (self.total, producer, type_))
        check(seq == self.next[producer], "%s: producer %d seq %d, expected %d" % (
            "duplicate" if seq < self.next[producer] else "gap", producer, seq, self.next[producer]))
        self.next[producer] += 1


def read_all(consumer, verifier):
    """Reads in batches of varying size (and single recv()s) until the end of the stream; its message."""
    rounds = 0
    while True:
        rounds += 1
        try:
            if rounds % 7 == 0:
                got = consumer.recv(timeout=TIMEOUT)
                batch = [got] if got is not None else []
            else:
                batch = consumer.recv_many(1 + (rounds * 37) % 300, timeout=TIMEOUT)
        except shmkit.EndOfStream as e:
            return str(e)
        check(batch, "nothing came for %s s after %d messages" % (TIMEOUT, verifier.total))
        for type_, data in batch:
            verifier(type_, data)


# ---------------------------------------------------------------------------------------------
# Scenarios

def consume(directory, name, producers, count, first=0):
    """Consumes until the end of the stream: every producer's seqs first..count-1 (first only for producer 0)."""
    start = time.monotonic()
    with shmkit.Queue(name, directory, layout="") as q:
        consumer = q.consumer()
        verifier = Verifier([int(first)] + [0] * (int(producers) - 1))
        ended = read_all(consumer, verifier)
        check(verifier.next == [int(count)] * int(producers), "the stream ended (%s) at %s, expected %s from each producer"
              % (ended, verifier.next, count))
        check("every producer closed" in ended, "the stream ended otherwise than by its producers closing: " + ended)
        status = q.status()
        check(status["unblocked"] == 0 and status["head"] == status["tail"] == status["cleared"], "status %s" % status)
        consumer.close()
        check(q.status()["consumer"] is None, "the consumer role was given back")
    print("ok %d messages in %.1f s: %s" % (verifier.total, time.monotonic() - start, ended))


def produce(directory, name, producer, count):
    start = time.monotonic()
    with shmkit.Queue(name, directory) as q:
        with q.producer() as p:
            for seq in range(int(count)):
                message = cs_message(int(producer), seq)
                if seq % 5 == 0:
                    while not p.offer(1 + int(producer), message):      # the non-waiting form, now and then
                        time.sleep(0.0001)
                else:
                    p.send(1 + int(producer), message, timeout=TIMEOUT)
        status = q.status()
        check(status["attaches"] == status["end_of_stream_at"] and not status["producer_list"],
              "close() marks the end of the stream: %s" % status)
    print("ok sent %s in %.1f s" % (count, time.monotonic() - start))


def flip_tail(directory, name, count):
    """Stores the tail word alternately as 16 and 32, as a producer stores it (R5): a reader in
    another process must only ever see one of the two."""
    with shmkit.Queue(name, directory) as q:
        print("flipping", flush=True)
        for k in range(int(count)):
            q._set_word(shmkit._TAIL, 16 if k & 1 else 32)
    print("ok flipped %s" % count)


class Expected:
    """The Reading record of PythonQueueInteropTest, derived from its seq."""

    @staticmethod
    def fields(seq):
        return {"seq": seq, "value": seq * 0.5 - 3, "code": seq * 7 - 100, "flag": seq % 3 == 0,
                "label": ("r%d" % seq).encode(), "pair": (seq / 4.0, (seq % 30000) - 15000)}


def records_read(directory, name, count):
    with shmkit.Queue(name, directory) as q:
        check(q.record_type is not None and q.record_layout.startswith("Reading{"), "a record queue: %r" % q.record_layout)
        consumer = q.consumer()
        seq = 0
        half = int(count) // 2
        rest = None
        while True:
            if seq < half:
                r = consumer.poll_record() if seq % 2 else None     # the non-waiting form, now and then
                if r is None:
                    try:
                        r = consumer.recv_record(timeout=TIMEOUT)
                    except shmkit.EndOfStream:
                        break
                    check(r is not None, "no record within %s s" % TIMEOUT)
            else:                                                   # the rest as the README iterates
                rest = rest or consumer.records()
                r = next(rest, None)
                if r is None:
                    break
            want = Expected.fields(seq)
            got = {"seq": r.seq, "value": r.value, "code": r.code, "flag": r.flag, "label": r.label,
                   "pair": (r.pair.x, r.pair.y)}
            check(got == want, "record %d: %s, expected %s" % (seq, got, want))
            seq += 1
        check(seq == int(count), "%d records, expected %s" % (seq, count))
    print("ok read %d records" % seq)


def records_write(directory, name, count):
    with shmkit.Queue(name, directory) as q:
        Reading = q.record_type
        check(Reading is not None and ctypes.sizeof(Reading) == q.record_size, "record type %r" % Reading)
        with q.producer() as p:
            for seq in range(int(count)):
                f = Expected.fields(seq)
                if seq % 2:
                    p.send_record(f, timeout=TIMEOUT)                          # a dict of the fields
                else:
                    r = Reading()
                    r.seq, r.value, r.code, r.flag, r.label = f["seq"], f["value"], f["code"], f["flag"], f["label"]
                    r.pair.x, r.pair.y = f["pair"]
                    p.send_record(r, timeout=TIMEOUT)                          # an instance
            try:
                p.send(2, bytes(q.record_size))
                check(False, "a message of another type was accepted by a record queue")
            except ValueError as e:
                check("holds records" in str(e), str(e))
    print("ok wrote %s records" % count)


def attach_busy(directory, name, count):
    """Attaches count times to a queue whose Java producer and consumer never stop: never refused as corrupt."""
    refused = []
    for _ in range(int(count)):
        try:
            shmkit.Queue(name, directory).close()
        except shmkit.SegmentError as e:
            refused.append(str(e))
    check(not refused, "%d of %s attaches refused, e.g. %s" % (len(refused), count, refused[:1]))
    print("ok %s attaches" % count)


def refuse_many(directory, name):
    with shmkit.Queue(name, directory) as q:
        check(q.producers == shmkit.MANY_PRODUCERS, "a many-producer queue")
        try:
            q.producer()
        except shmkit.SegmentError as e:
            status = q.status()
            check(not status["producer_list"] and status["attaches"] == 0, "the refusal took nothing: %s" % status)
            with q.consumer():      # reading it is fine
                pass
            print(e)
            sys.exit(3)
    check(False, "a many-producer queue was opened for writing")


def hold(directory, name):
    """Takes both roles of a one-producer queue, sends 3 messages, says so, and holds until told (or killed)."""
    q = shmkit.Queue(name, directory)
    consumer = q.consumer()
    producer = q.producer()
    for seq in range(3):
        producer.send(1, cs_message(0, seq))
    print("HOLDING %d" % os.getpid())
    line = sys.stdin.readline()
    check(line.strip() == "close", "told %r" % line)
    producer.close()
    consumer.close()
    q.close()
    print("ok closed")


def dead_writer(directory, name, count):
    """Reads count messages, waits at a half-written one while its writer lives, drops it once the
    writer is dead, and then finds the stream ended: its only producer died."""
    with shmkit.Queue(name, directory) as q:
        consumer = q.consumer()
        verifier = Verifier([0])
        while verifier.total < int(count):
            batch = consumer.recv_many(64, timeout=TIMEOUT)
            check(batch, "nothing came after %d messages" % verifier.total)
            for type_, data in batch:
                verifier(type_, data)
        check(consumer.recv(timeout=0.3) is None, "the half-written message must wait while its writer lives")
        check(q.status()["unblocked"] == 0, "nothing dropped while the writer lives")
        print("WAITING")
        start = time.monotonic()
        try:
            got = consumer.recv(timeout=TIMEOUT)
            check(False, "after the writer's death: %r instead of the end of the stream" % (got,))
        except shmkit.EndOfStream as e:
            ended = str(e)
        check("every producer died" in ended, "ended: " + ended)
        check(q.status()["unblocked"] == 1, "the dead writer's message was dropped and counted: %s" % q.status())
        elapsed = time.monotonic() - start
        with q.producer() as p:                          # the dead writer's role is taken back
            for seq in range(10):
                p.send(2, cs_message(1, seq))
        again = Verifier([0, 0])
        ended_again = read_all(consumer, again)
        check(again.next == [0, 10] and "every producer closed" in ended_again, "after it: %s, %s" % (again.next, ended_again))
        print("ok dropped and ended %.0f ms after WAITING: %s" % (elapsed * 1000, ended))


def predecessor(directory, name, count, consumed):
    """A consumer (a forked child) dies between publishing its head and its cleared position; the
    next one takes its role back, finishes the zeroing, and reads on from the head."""
    consumed, count = int(consumed), int(count)
    pid = os.fork()
    if pid == 0:
        try:
            with shmkit.Queue(name, directory) as q:
                c = q.consumer()
                c._clear = lambda start, end: None          # dies after P1, before P2 and P3
                got = c.recv_many(consumed, timeout=30)
                os._exit(0 if len(got) == consumed else 5)
        finally:
            os._exit(6)
    _, status = os.waitpid(pid, 0)
    check(os.WEXITSTATUS(status) == 0, "the child consumer exited with %d" % os.WEXITSTATUS(status))
    with shmkit.Queue(name, directory) as q:
        before = q.status()
        check(before["consumer"] is not None and before["consumer"]["pid"] == pid and not before["consumer"]["alive"],
              "the dead child still holds the role: %s" % before)
        check(before["cleared"] < before["head"], "the child died between P1 and P3: %s" % before)
        ring = q._ring
        dirty = bytes(ring[before["cleared"] & q._mask:before["head"] & q._mask])
        check(any(dirty), "the consumed bytes are not zeroed yet")
        consumer = q.consumer()                          # takes the dead child's role back
        after = q.status()
        check(after["consumer"]["pid"] == os.getpid() and after["cleared"] == after["head"] == before["head"],
              "the role was taken back and the zeroing finished: %s" % after)
        check(not any(ring[before["cleared"] & q._mask:before["head"] & q._mask]), "the predecessor's bytes are zero")
        verifier = Verifier([consumed])
        ended = read_all(consumer, verifier)
        check(verifier.next == [count], "read on from %d: ended (%s) at %s" % (consumed, ended, verifier.next))
    print("ok took the role of dead pid %d back and read %d more" % (pid, verifier.total))


def corrupt(directory, name, other):
    """Copies of a healthy queue with one field broken (the CRC recomputed where it must be): each is
    refused with a message naming the queue and the field."""
    path = os.path.join(directory, name)
    with open(path, "rb") as f:
        original = bytearray(f.read())
    h = shmkit.read_header(original, name)
    base = h["data_offset"]
    n = struct.unpack_from("=I", original, base + 0x20)[0]
    c = base + ((0x40 + n + 127) & ~127)

    def variant(label, edit, crc=True):
        data = bytearray(original)
        edit(data)
        if crc:
            struct.pack_into("=I", data, base + 0x24, shmkit.zlib.crc32(bytes(data[base + 0x40:base + 0x40 + n]),
                                                                         shmkit.zlib.crc32(bytes(data[base:base + 0x24]))))
        variant_name = "bad-" + label
        with open(os.path.join(directory, variant_name), "wb") as f:
            f.write(data)
        return variant_name

    def put(fmt, at, value):
        return lambda d: struct.pack_into(fmt, d, at, value)

    cases = [
        (variant("magic", put("=8s", base, b"SHMKQUEX"), crc=False), "does not start with the queue magic"),
        (variant("crc", put("=I", base + 0x10, 1 << 11), crc=False), "its descriptor checksum is 0x"),
        (variant("producers", put("=I", base + 0x08, 3)), "producer count code is 3"),
        (variant("capacity-odd", put("=Q", base + 0x10, 3000)), "capacity is 3000"),
        (variant("capacity-big", put("=Q", base + 0x10, 1 << 31)), "capacity is 2147483648"),
        (variant("max-message", put("=I", base + 0x18, 70000)), "max message length is 70000"),
        (variant("record-size", put("=I", base + 0x1C, 8)), "record size is 8 with a layout text of 0 bytes"),
        (variant("layout-length", put("=I", base + 0x20, 5000)), "record layout length is 5000"),
        (variant("capacity-small", lambda d: [put("=Q", base + 0x10, 1 << 15)(d), put("=I", base + 0x18, 100)(d)]),
         "its data is"),                                          # a valid descriptor for another data size
        (variant("head-past-tail", put("=q", c + 0x80, 32)), "its positions (cleared 0, head 32, tail 0)"),
        (variant("misaligned", lambda d: [struct.pack_into("=q", d, c + off, 8) for off in (0x00, 0x80, 0x88)]),
         "all multiples of 16"),
        (variant("tail-lapped", put("=q", c + 0x00, 1 << 20)), "<= cleared + 65536"),
    ]
    for variant_name, expected in cases:
        try:
            shmkit.Queue(variant_name, directory).close()
            check(False, "%s was accepted" % variant_name)
        except shmkit.SegmentError as e:
            message = str(e)
            check(message.startswith("segment '%s' is a corrupt queue: " % variant_name) and expected in message,
                  "%s: expected %r in: %s" % (variant_name, expected, message))
            print("refused %s: %s" % (variant_name, message))
    try:
        shmkit.Queue(other, directory)
        check(False, "a segment of another kind was accepted")
    except shmkit.SegmentError as e:
        check("not a queue" in str(e) and other in str(e), str(e))
    try:
        shmkit.Queue(name, directory, layout="Tick{time:i64@0}#8")
        check(False, "a byte queue was accepted as a record queue")
    except shmkit.SegmentError as e:
        check("holds a queue of byte messages, requested a queue of records Tick{time:i64@0}#8" in str(e), str(e))
    print("ok %d corrupt queues refused" % len(cases))


def dead_pid():
    """A pid that certainly has no process now: a child that exited and was reaped."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def raises(expected_text, action, what, kind=shmkit.SegmentError):
    try:
        action()
    except kind as e:
        check(expected_text in str(e), "%s: expected %r in: %s" % (what, expected_text, e))
        return str(e)
    check(False, "%s: did not raise" % what)


def unit(directory, name):
    """The refusals and recoveries of one process, on a one-producer byte queue nobody else uses."""
    import uuid
    me = os.getpid()
    with shmkit.Queue(name, directory) as q:
        consumer_role, producer_role = q._consumer_role, q._producer_role
        # no libatomic: no role, saying why; status still works
        saved = list(shmkit._ATOMICS)
        shmkit._ATOMICS[:] = ["libatomic.so.1 cannot be loaded (simulated)"]
        raises("cannot take the consumer role: libatomic.so.1 cannot be loaded (simulated)", q.consumer, "no libatomic")
        check(q.status()["consumer"] is None, "status without libatomic")
        shmkit._ATOMICS[:] = saved
        # not x86-64: neither producer nor consumer
        real = shmkit._x86_64
        shmkit._x86_64 = lambda: False
        raises("writes to queues only on x86-64", q.producer, "not x86-64")
        raises("plain loads and stores may be reordered", q.consumer, "not x86-64")
        shmkit._x86_64 = real
        # another boot
        real_boot = shmkit._boot_id
        shmkit._boot_id = lambda: uuid.UUID(int=1)
        raises("was created by pid", q.consumer, "another boot")
        raises("in another boot", q.producer, "another boot")
        shmkit._boot_id = real_boot
        # one consumer at a time, even in one process
        c = q.consumer()
        raises("already has a consumer: [pid %d]" % me, q.consumer, "a second consumer")
        c.close()
        raises("is closed", c.poll, "a closed consumer")
        # a dead holder of the role's internal word is taken over; a slot of a dead namesake is freed
        base = consumer_role.offset
        dead = dead_pid()
        struct.pack_into("=Q", q._buf, base, dead << 32 | 12345)
        ident = shmkit._identity()
        struct.pack_into("=Q", q._buf, base + 0x40, ident.slot | 1)     # our identity, but we hold nothing
        start = time.monotonic()
        c = q.consumer()
        took = time.monotonic() - start
        check(struct.unpack_from("=Q", q._buf, base)[0] == 0, "the internal word was released")
        check(sorted(w for w in consumer_role.slots() if w) == [ident.slot | 1], "one slot, ours: %s" % consumer_role.slots())
        check(q.owner_check_interval <= took < 5, "taken over after an owner check: %.3f s" % took)
        flags = struct.unpack_from("=i", q._buf, base + 0x14)[0]
        check(flags & 1 == 0, "consistent again once the role is taken: flags %d" % flags)
        c.close()
        # a producer: arguments, a full queue, a dead consumer
        with q.producer() as p:
            raises("message type 0 is reserved", lambda: p.offer(0, b"x"), "type 0", ValueError)
            raises("exceeds its largest, %d bytes" % q.max_message, lambda: p.offer(1, bytes(q.max_message + 1)),
                   "too long", ValueError)
            sent = 0
            while p.offer(1, cs_message(0, sent)):
                sent += 1
            check(sent > 100, "the queue took %d messages" % sent)
            raises("stayed full for 0.05 s", lambda: p.send(1, b"x", timeout=0.05), "full", shmkit.QueueFull)
            struct.pack_into("=Q", q._buf, base + 0x48, dead_pid() << 32 | 7 << 16 | 1)   # a dead consumer
            full = raises("is full and its consumer, pid", lambda: p.send(1, b"x", timeout=30), "dead consumer",
                          shmkit.QueueFull)
            check("is dead" in full, full)
            c = q.consumer()                                                 # takes the dead consumer's role back
            verifier = Verifier([0])
            while verifier.total < sent:
                for type_, data in c.recv_many(64, timeout=5):
                    verifier(type_, data)
            check(c.poll() is None, "nothing more")
        check(c.end_of_stream, "the producer closed and all was read")
        raises("every producer closed", lambda: c.recv(timeout=5), "end of stream", shmkit.EndOfStream)
        c.close()
    with shmkit.Queue(name, directory, readonly=True) as q:
        raises("is attached read-only", q.consumer, "read-only")
        check(q.status()["depth_messages"] == 0, "status read-only")
    print("ok unit")


# ---------------------------------------------------------------------------------------------
# Kernel wake-ups (docs/messaging.md §4a): 8-byte messages 0, 1, 2... of type 1, as KernelWaitChild's

def stats(q, prefix=""):
    """One line the test parses: how often each wake word of q was slept on (by outcome) and woken."""
    out = []
    for label, word in (("consumer", q._consumer_wake), ("producers", q._producers_wake)):
        out += ["%s%s_wakes=%d" % (prefix, label, word.wakes), "%s%s_woken=%d" % (prefix, label, word.woken)]
        out += ["%s%s_sleeps_%s=%d" % (prefix, label, outcome.replace(" ", "_"), n) for outcome, n in sorted(word.sleeps.items())]
    return "STATS " + " ".join(out)


def kw_produce(directory, name, count, interval):
    """Sends count messages with kernel waits on: a full queue is waited for asleep in the kernel."""
    with shmkit.Queue(name, directory, kernel_waits=True, owner_check_interval=float(interval)) as q:
        check(q.kernel_waits, "kernel waits are on")
        with q.producer() as p:
            print("PRODUCING %d 0x%x" % (os.getpid(), q._producers_wake.address))     # where it sleeps
            for seq in range(int(count)):
                p.send(1, struct.pack("=q", seq), timeout=TIMEOUT)
        print(stats(q))
    print("ok sent %s" % count)


def kw_consume(directory, name, count, interval):
    """Receives count messages with kernel waits on, then the end of the stream; an empty queue is
    waited for asleep in the kernel."""
    with shmkit.Queue(name, directory, kernel_waits=True, owner_check_interval=float(interval)) as q:
        check(q.kernel_waits, "kernel waits are on")
        consumer = q.consumer()
        print("CONSUMING %d 0x%x" % (os.getpid(), q._consumer_wake.address))         # where it sleeps
        for seq in range(int(count)):
            got = consumer.recv(timeout=TIMEOUT)
            check(got is not None, "no message %d within %s s" % (seq, TIMEOUT))
            check(got[0] == 1 and len(got[1]) == 8 and struct.unpack("=q", got[1])[0] == seq,
                  "message %d: %r" % (seq, got))
        try:
            got = consumer.recv(timeout=TIMEOUT)
            check(False, "after %s messages: %r instead of the end of the stream" % (count, got))
        except shmkit.EndOfStream as e:
            ended = str(e)
        check("every producer closed" in ended, ended)
        consumer.close()
        print(stats(q))
    print("ok received %s, then: %s" % (count, ended))


def kw_echo(directory, name, count, interval):
    """Echoes count messages from queue name to queue name.back, both with kernel waits whose sleeps
    last interval seconds: KernelWaitChild's race-produce sends each after a random gap and waits for
    its echo, and this echo waits a random gap too, so each side is caught spinning, announcing and
    asleep, and a wake-up lost in either direction shows as a sleep that ran out its timeout."""
    import random
    interval, rnd = float(interval), random.Random(7)
    with shmkit.Queue(name, directory, kernel_waits=True, owner_check_interval=interval) as q, \
            shmkit.Queue(name + ".back", directory, kernel_waits=True, owner_check_interval=interval) as back:
        check(q.kernel_waits and back.kernel_waits, "kernel waits are on")
        consumer = q.consumer()
        with back.producer() as echo:
            print("ECHOING %d" % os.getpid())
            for i in range(int(count)):
                got = consumer.recv(timeout=TIMEOUT)
                check(got is not None, "no message %d within %s s" % (i, TIMEOUT))
                gap = rnd.randrange(100)
                if gap < 3:                                    # long enough for the JVM to fall asleep
                    time.sleep(0.001 + rnd.random() * 0.002)
                elif gap < 40:                                 # about as long as it spins and yields
                    until = time.perf_counter() + rnd.random() * 0.0001
                    while time.perf_counter() < until:
                        pass
                echo.send(got[0], got[1], timeout=TIMEOUT)
        consumer.close()
        print(stats(q), stats(back, "back_")[len("STATS "):])
    print("ok echoed %s; membarrier for the sleepers' heavy barrier: %s" % (count, shmkit._futex().heavy))


def kw_off(directory, name):
    """Without kernel_waits nothing of §4a happens: the futex helper is never even loaded, and the wake
    words (which the test set to 1) are never touched, while a producer waits on a full queue and a
    consumer on an empty one. Then kernel_waits=True where futexes cannot be used: one warning, and
    the queue polls as without it."""
    import logging
    with shmkit.Queue(name, directory) as q:
        check(not q.kernel_waits and q._consumer_wake is None and q._producers_wake is None, "kernel waits are off")
        words = lambda: [struct.unpack_from("=I", q._buf, q._c + at)[0] for at in (0x480, 0x484)]
        check(words() == [1, 1], "the test set both wake words to 1: %s" % words())
        consumer = q.consumer()
        with q.producer() as p:
            sent = 0
            while p.offer(1, struct.pack("=q", sent)):
                sent += 1
            raises("stayed full for 0.3 s", lambda: p.send(1, b"x", timeout=0.3), "full", shmkit.QueueFull)
            got = consumer.recv_many(sent + 1, timeout=5)
            check(len(got) == sent, "received %d of %d" % (len(got), sent))
            check(consumer.recv(timeout=0.3) is None, "nothing more")
        raises("every producer closed", lambda: consumer.recv(timeout=5), "end of stream", shmkit.EndOfStream)
        consumer.close()
        check(words() == [1, 1], "no wake word was touched: %s" % words())
        check(not shmkit._FUTEX, "the futex helper was never loaded: %s" % shmkit._FUTEX)
    # asked for, but unavailable (simulated): off, said once for the process, and the queue still works
    shmkit._FUTEX[:] = ["simulated"]
    said = []

    class Catch(logging.Handler):
        def emit(self, record):
            said.append(record.getMessage())
    logging.getLogger("shmkit").addHandler(Catch())
    for _ in range(2):
        with shmkit.Queue(name, directory, kernel_waits=True) as q:
            check(not q.kernel_waits and q._consumer_wake is None, "kernel waits fell back to polling")
            consumer = q.consumer()
            with q.producer() as p:
                p.send(1, b"fallback", timeout=5)
                check(consumer.recv(timeout=5) == (1, b"fallback"), "a message through the fallback")
                check(consumer.recv(timeout=0.1) is None, "an empty wait through the fallback")
            consumer.close()
    check(len(said) == 1 and "kernel waits were asked for but are off (simulated)" in said[0],
          "one warning: %s" % said)
    with shmkit.Queue(name, directory) as q:
        check([struct.unpack_from("=I", q._buf, q._c + at)[0] for at in (0x480, 0x484)] == [1, 1],
              "the fallback touched no wake word either")
    print("ok kernel waits off: futex never loaded, wake words untouched, fallback said once")


SCENARIOS = {"attach-busy": attach_busy, "unit": unit, "consume": consume, "produce": produce, "records-read": records_read, "records-write": records_write,
             "refuse-many": refuse_many, "hold": hold, "dead-writer": dead_writer, "predecessor": predecessor,
             "corrupt": corrupt, "flip-tail": flip_tail, "kw-produce": kw_produce, "kw-consume": kw_consume,
             "kw-echo": kw_echo, "kw-off": kw_off}

if __name__ == "__main__":
    SCENARIOS[sys.argv[2]](*sys.argv[3:])
