"""Driven by PythonLockInteropTest: the Python end of the built-in lock (Segment.get_lock()).

usage: lock_check.py PYTHON_DIR SCENARIO SEGMENT_DIR [ARGS...]

The segments are Java's: "counter" (a SharedLong, whose header holds the lock) and "flags" (a
SharedLongArray of 8, the indices below). Exit 0 when every check passed; otherwise the scenario
prints "CHECK FAILED: ..." and exits 1.
"""
import os
import struct
import sys
import threading
import time

sys.path.insert(0, sys.argv[1])
import shmkit  # noqa: E402

if hasattr(sys.stdout, "reconfigure"):
    sys.stdout.reconfigure(encoding="utf-8", errors="backslashreplace", line_buffering=True)

# the flags segment, as PythonLockInteropTest numbers it
JAVA_STARTED, PY_STARTED, JAVA_PROGRESS, PY_PROGRESS, JAVA_DONE, PY_DONE, HOLDING = range(7)
LOCK = shmkit.LOCK_AREA_OFFSET        # the built-in reentrant lock: the owner block at lock area + 0x00
MASK32 = (1 << 32) - 1
TIMEOUT = 120.0                       # no single wait of a healthy run comes near this


def check(ok, what):
    if not ok:
        print("CHECK FAILED:", what)
        sys.exit(1)


def words(seg):
    """(owner key, holder word, hold count, flags, recoveries, last dead pid) of the built-in lock."""
    return struct.unpack_from("=QQiiii", seg.buf, LOCK)


def raises(kind, expected_texts, action, what):
    """Runs action(); it must raise kind (nothing else) with every one of expected_texts in its message."""
    try:
        action()
    except kind as e:
        for text in expected_texts:
            check(text in str(e), "%s: expected %r in the message, got: %s" % (what, text, e))
        return str(e)
    except BaseException as e:  # noqa: B902 - anything else is the failure under test
        check(False, "%s: raised %s instead of %s: %s" % (what, type(e).__name__, kind.__name__, e))
    check(False, "%s: did not raise" % what)


def await_flag(flags, index, what):
    deadline = time.monotonic() + TIMEOUT
    while not flags[index]:
        check(time.monotonic() < deadline, "timed out waiting for " + what)
        time.sleep(0)


def in_thread(action):
    """What action() returns (or raises) on another thread."""
    out = []

    def run():
        try:
            out.append(("ok", action()))
        except BaseException as e:  # noqa: B902 - handed back to the caller
            out.append(("raised", e))

    t = threading.Thread(target=run)
    t.start()
    t.join(TIMEOUT)
    check(not t.is_alive() and out, "the other thread hung")
    if out[0][0] == "raised":
        raise out[0][1]
    return out[0][1]


# ---------------------------------------------------------------------------------------------

def increment(directory, n, mode, slack):
    """n times: `with lock: counter = counter + 1` (read, then write: not atomic), or the same without the
    lock for mode "unlocked". Before increment i it waits until Java has done i - slack of its own (or
    finished), and Java does the same: neither can finish before the other has done n - slack."""
    n, slack, locked = int(n), int(slack), mode == "locked"
    with shmkit.Segment("counter", directory) as seg, shmkit.Segment("flags", directory) as fs:
        counter, flags = seg.ctypes(), fs.ctypes()
        lock = seg.get_lock()
        flags[PY_STARTED] = 1
        await_flag(flags, JAVA_STARTED, "Java to start")
        saw_java_move, last = 0, flags[JAVA_PROGRESS]
        deadline = time.monotonic() + TIMEOUT
        for i in range(n):
            while i - slack > flags[JAVA_PROGRESS] and not flags[JAVA_DONE]:
                check(time.monotonic() < deadline, "Java stopped at %d of its increments" % flags[JAVA_PROGRESS])
                time.sleep(0)
            if locked:
                with lock:
                    value = counter.value
                    counter.value = value + 1
            else:
                value = counter.value
                counter.value = value + 1
            flags[PY_PROGRESS] = i + 1
            now = flags[JAVA_PROGRESS]
            if now != last:
                saw_java_move, last = saw_java_move + 1, now
        flags[PY_DONE] = 1
        check(words(seg)[0] >> 32 != os.getpid(), "Python still holds the lock")
        print("ok %d increments %s; java advanced between %d of them" % (n, mode, saw_java_move))
        del counter, flags


def take_over(directory, victim):
    """The Java child victim holds the lock (twice): waited for while it lives, refused a release, and
    taken over once the test kills it, with INCONSISTENT set and the recovery recorded."""
    victim = int(victim)
    with shmkit.Segment("counter", directory) as seg:
        lock = seg.get_lock()
        owner, holder, holds, _, recoveries, _ = words(seg)
        check(owner >> 32 == victim and holder >> 32 == victim and holds == 2, (hex(owner), hex(holder), holds))
        check(lock.locked() and lock.is_consistent() and recoveries == 0 and lock.recoveries() == 0, repr(lock))
        check(lock.acquire(blocking=False) is False, "acquired a lock pid %d holds" % victim)
        start = time.monotonic()
        check(lock.acquire(timeout=0.3) is False, "took a live holder's lock")
        check(time.monotonic() - start >= 0.3, "gave up before the timeout")
        raises(RuntimeError, ["cannot release un-acquired lock", "built-in lock of segment 'counter'", "pid %d" % victim],
               lock.release, "release of Java's hold")
        raises(RuntimeError, ["pid %d" % victim], lock.mark_consistent, "mark_consistent without holding")
        check(words(seg)[:3] == (owner, holder, 2), "a refused call changed the words: %s" % (words(seg),))
        print("WAITING")
        start = time.monotonic()
        check(lock.acquire(timeout=TIMEOUT) is True, "never took over from pid %d" % victim)
        took = time.monotonic() - start
        owner, holder, holds, flags, recoveries, dead = words(seg)
        me = shmkit._identity()
        check(owner == me.key and holder == os.getpid() << 32 | (threading.get_native_id() & MASK32) and holds == 1,
              (hex(owner), hex(holder), holds))
        check(flags == 1 and not lock.is_consistent(), "flags after the take-over: %d" % flags)
        check(recoveries == 1 and lock.recoveries() == 1 and dead == victim and lock.last_dead_pid() == victim,
              (recoveries, dead))
        check(seg.ctypes().value == 41, "the dead holder's write is not there: %d" % seg.ctypes().value)
        check(lock.acquire(blocking=False) is True and words(seg)[2] == 2, "re-entry after the take-over: %s" % (words(seg),))
        lock.release()
        lock.release()
        check(not lock.locked() and words(seg)[:3] == (0, 0, 0), words(seg))
        check(not lock.is_consistent(), "INCONSISTENT is sticky until a holder marks the data repaired")
        print("TOOK consistent=%s recoveries=%d dead=%d after %.1f ms" % (lock.is_consistent(), lock.recoveries(),
                                                                           lock.last_dead_pid(), took * 1000))


def hold(directory):
    """Takes the lock twice, writes half an update, says so, and waits to be killed."""
    seg = shmkit.Segment("counter", directory)
    lock = seg.get_lock()
    check(lock.acquire(timeout=TIMEOUT) is True, "could not take a free lock")
    check(lock.acquire(blocking=False) is True, "re-entry refused")
    seg.ctypes().value = 7
    print("HOLDING")
    time.sleep(600)
    check(False, "was not killed")


def threads(directory):
    """Reentrancy per Python thread, and release() by a thread that does not hold the lock."""
    with shmkit.Segment("counter", directory) as seg:
        lock = seg.get_lock()
        check(lock is seg.get_lock(), "get_lock() returned another object")
        me = os.getpid() << 32 | (threading.get_native_id() & MASK32)
        key = shmkit._identity().key
        main_tid = threading.get_native_id()
        raises(ValueError, ["non-blocking"], lambda: lock.acquire(False, 1), "acquire(False, 1)")
        raises(ValueError, ["timeout"], lambda: lock.acquire(timeout=-2), "acquire(timeout=-2)")
        raises(RuntimeError, ["cannot release un-acquired lock", "it is not locked"], lock.release, "release of a free lock")

        check(lock.acquire() is True and lock.acquire(blocking=False) is True, "re-entry refused")
        with lock as entered:
            check(entered is True, entered)
            check(words(seg)[:3] == (key, me, 3), words(seg))
        check(words(seg)[:3] == (key, me, 2), words(seg))
        # another thread of this process: cannot enter, release or mark consistent
        check(in_thread(lambda: lock.acquire(blocking=False)) is False, "another thread entered")
        check(in_thread(lambda: lock.acquire(timeout=0.05)) is False, "another thread entered after waiting")
        check(in_thread(lambda: lock.acquire(False, None)) is False, "another thread entered (multiprocessing's signature)")
        message = raises(RuntimeError, ["cannot release un-acquired lock", "held by thread %d of this process" % main_tid],
                         lambda: in_thread(lock.release), "release by another thread")
        raises(RuntimeError, ["held by thread %d" % main_tid], lambda: in_thread(lock.mark_consistent),
               "mark_consistent by another thread")
        check(in_thread(lock.locked) is True, "locked() on another thread")
        check(words(seg)[:3] == (key, me, 2), "a refused release changed the words: %s" % (words(seg),))
        print("wrong-thread release:", message)

        print("HELD 2")                              # Java checks who holds it, then says go
        check(sys.stdin.readline().strip() == "go", "no go from Java")
        lock.release()
        check(words(seg)[:3] == (key, me, 1) and lock.locked(), words(seg))
        lock.release()
        check(words(seg)[:3] == (0, 0, 0) and not lock.locked(), words(seg))
        raises(RuntimeError, ["it is not locked"], lock.release, "one release too many")

        # an exception inside the block releases the lock
        try:
            with lock:
                raise KeyError("inside")
        except KeyError:
            pass
        check(not lock.locked(), "an exception left the lock held")

        # the other way round: another thread holds it, this one cannot release it
        taken, done = threading.Event(), threading.Event()
        other = {}

        def holder():
            other["got"] = lock.acquire(blocking=False)
            other["tid"] = threading.get_native_id()
            taken.set()
            done.wait(TIMEOUT)
            lock.release()

        t = threading.Thread(target=holder)
        t.start()
        check(taken.wait(TIMEOUT) and other["got"], "the other thread could not take a free lock")
        check(words(seg)[1] == os.getpid() << 32 | other["tid"], words(seg))
        raises(RuntimeError, ["held by thread %d of this process" % other["tid"]], lock.release,
               "release of another thread's hold")
        check(lock.acquire(blocking=False) is False, "entered while another thread holds it")
        done.set()
        t.join(TIMEOUT)
        check(not lock.locked(), "the other thread's release did not free it")
        print("ok threads")


def refusals(directory):
    """get_lock() refuses, with SegmentError naming the segment and why, and writes nothing."""
    before = None
    with shmkit.Segment("counter", directory, readonly=True) as seg:
        before = bytes(seg.buf[LOCK:LOCK + 32])
        raises(shmkit.SegmentError, ["built-in lock of segment 'counter'", "read-only"], seg.get_lock, "read-only")

    def refused(patch, restore, texts, what):
        with shmkit.Segment("counter", directory) as seg:
            patch()
            try:
                message = raises(shmkit.SegmentError, ["built-in lock of segment 'counter'"] + texts, seg.get_lock, what)
            finally:
                restore()
            check(bytes(seg.buf[LOCK:LOCK + 32]) == before, "%s: the lock words changed" % what)
            print("refused (%s): %s" % (what, message))

    x86 = shmkit._x86_64
    refused(lambda: setattr(shmkit, "_x86_64", lambda: False), lambda: setattr(shmkit, "_x86_64", x86),
            ["only on x86-64"], "not x86-64")
    atomics = list(shmkit._ATOMICS)
    refused(lambda: shmkit._ATOMICS.__setitem__(slice(None), ["libatomic.so.1 cannot be loaded (simulated)"]),
            lambda: shmkit._ATOMICS.__setitem__(slice(None), atomics), ["libatomic.so.1 cannot be loaded"], "no libatomic")
    import uuid
    boot = shmkit._boot_id
    refused(lambda: setattr(shmkit, "_boot_id", lambda: uuid.UUID(int=1)), lambda: setattr(shmkit, "_boot_id", boot),
            ["refusing to take part in the lock", "another boot"], "another boot")
    with shmkit.Segment("counter", directory) as seg:    # the positive control
        with seg.get_lock():
            check(seg.get_lock().locked(), "not held")
    print("ok refusals")


def docstring(directory):
    """Runs the get_lock() example of shmkit's docstring as written, with /dev/shm standing for this directory."""
    import textwrap
    lines = shmkit.__doc__.splitlines()
    start = next(i for i, line in enumerate(lines) if 'with Segment("counter") as seg:' in line)
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    example = textwrap.dedent("\n".join(lines[start:end]))
    check("seg.get_lock()" in example, example)
    print(example)
    shmkit.DEV_SHM = directory
    # SegmentLock.acquire calls the module's _idle() only after it read an owner word that another holder
    # set: its first such call is recorded (a flushed BLOCKED line) as the proof that the example is
    # waiting inside acquire, which the Java side waits for before it checks the counter and unlocks
    blocked = []
    idle = shmkit._idle

    def recording_idle(attempt):
        if not blocked and sys._getframe(1).f_code is shmkit.SegmentLock.acquire.__code__:
            blocked.append(attempt)
            print("BLOCKED in SegmentLock.acquire", flush=True)
        idle(attempt)

    shmkit._idle = recording_idle
    try:
        namespace = {"Segment": shmkit.Segment}      # imported by the docstring's first example
        exec(compile(example, "<shmkit docstring>", "exec"), namespace)
    finally:
        shmkit._idle = idle
    check(blocked, "the example never waited in acquire: no one else held the lock")
    check(namespace["seg"].closed, "the with block left the segment attached")
    print("docstring ok")


SCENARIOS = {"increment": increment, "take-over": take_over, "hold": hold, "threads": threads, "refusals": refusals,
             "docstring": docstring}

if __name__ == "__main__":
    SCENARIOS[sys.argv[2]](sys.argv[3], *sys.argv[4:])
