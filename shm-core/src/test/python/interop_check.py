"""Driven by PythonInteropTest: checks in Python what Java wrote, then writes for Java to check.

usage: interop_check.py PYTHON_DIR SCENARIO NAME_OR_DIR JAVA_PID
Exit 0 when every check passed; otherwise prints what failed and exits 1 (the scenario
"refuses" exits 3 with the message). numpy is imported only by the scenarios that use it, so
that the others also run under a small address-space limit.
"""
import ctypes
import hashlib
import os
import socket
import stat
import struct
import sys
import textwrap
import zlib

sys.path.insert(0, sys.argv[1])
import shmkit  # noqa: E402

if hasattr(sys.stdout, "reconfigure"):     # what Java reads, whatever the locale
    sys.stdout.reconfigure(encoding="utf-8", errors="backslashreplace")


def numpy_or_none():
    try:
        import numpy
        return numpy
    except ImportError:
        return None


def check(ok, what):
    if not ok:
        print("CHECK FAILED:", what)
        sys.exit(1)


def raises(expected_text, action, what):
    """Runs action(); it must raise SegmentError (no other exception) whose message contains expected_text."""
    try:
        action()
    except shmkit.SegmentError as e:
        check(expected_text in str(e), "%s: expected %r in the message, got: %s" % (what, expected_text, e))
        return str(e)
    except BaseException as e:  # noqa: B902 - anything else is the failure under test
        check(False, "%s: raised %s instead of SegmentError: %s" % (what, type(e).__name__, e))
    check(False, "%s: did not raise" % what)


def mapped(path):
    """The lines of /proc/self/maps that map path, e.g. '7f.. rw-s 00000000 00:1a 42 /dev/shm/x'."""
    with open("/proc/self/maps") as f:
        return [line.rstrip("\n") for line in f if line.rstrip("\n").endswith(" " + path)]


def own_proc():
    """Whether /proc is of this process's pid namespace (so that /proc/<pid> means what the JVM means)."""
    try:
        with open("/proc/self/stat") as f:
            return int(f.read().split()[0]) == os.getpid()
    except (OSError, ValueError):
        return False


class Point(ctypes.Structure):
    _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double)]


# The records of LayoutsTest, declared the way a Python user would, with no help from shmkit.
INDEPENDENT = {
    "Mixed": [("b", ctypes.c_int8), ("d", ctypes.c_double), ("i", ctypes.c_int32)],
    "Four": [("a", ctypes.c_int8), ("b", ctypes.c_int32), ("c", ctypes.c_int16), ("d", ctypes.c_int64)],
    "Line": [("a", Point), ("tag", ctypes.c_int8), ("b", Point)],
    "Named": [("id", ctypes.c_int32), ("name", ctypes.c_char * 5), ("v", ctypes.c_double)],
    "Flags": [("f", ctypes.c_bool), ("c", ctypes.c_uint16), ("x", ctypes.c_float)],
    "Samples": [("b", ctypes.c_int8), ("xs", ctypes.c_double * 3)],
    "Poly": [("n", ctypes.c_int32), ("ps", Point * 2)],
    "Tail": [("l", ctypes.c_int64), ("b", ctypes.c_int8)],
}


def points(name, java_pid):
    numpy = numpy_or_none()
    with shmkit.Segment(name) as seg:
        check(seg.kind == "struct_array", seg)
        check(seg.header["format_version"] == 2, seg.header["format_version"])
        check(seg.header["layout"] == "Point{x:f64@0,y:f64@8}#16", seg.header["layout"])
        check(seg.count == 3, seg.count)
        check(seg.header["creator_pid"] == java_pid, seg.header["creator_pid"])
        # the creator fields of version 2 name this machine's boot and the JVM's namespaces (where known)
        h = seg.header
        if h["creator_boot_id"] is not None:
            with open("/proc/sys/kernel/random/boot_id") as f:
                check(str(h["creator_boot_id"]) == f.read().strip(), h["creator_boot_id"])
        if h["creator_pid_namespace"] and own_proc():
            check(h["creator_pid_namespace"] == os.stat("/proc/self/ns/pid").st_ino, h)
        if h["creator_start_ticks"] and own_proc():
            with open("/proc/%d/stat" % java_pid) as f:
                ticks = int(f.read().rsplit(")", 1)[1].split()[19])
            check(h["creator_start_ticks"] == ticks, "start ticks %d, /proc says %d" % (h["creator_start_ticks"], ticks))
        pts = seg.ctypes()
        check([(p.x, p.y) for p in pts] == [(1, -6), (-5, 2), (2, 9)], [(p.x, p.y) for p in pts])
        # the same memory through an independently declared Structure
        mine = (Point * 3).from_buffer(seg.buf, seg.header["data_offset"])
        check(mine[2].y == 9, mine[2].y)
        for p in pts:                       # the course exercise: a.x **= 2, in place
            p.x **= 2
        if numpy is not None:
            arr = seg.numpy()
            check(list(arr["x"]) == [1, 25, 4], list(arr["x"]))
            arr["y"][0] = 100               # Java must see this
            del arr
        else:
            pts[0].y = 100
        del pts, mine, p
    print("points ok, numpy", "used" if numpy is not None else "absent")


def layouts(prefix, _pid):
    for struct_name, fields in INDEPENDENT.items():
        independent = type(struct_name, (ctypes.Structure,), {"_fields_": fields})
        with shmkit.Segment(prefix + struct_name) as seg:
            layout = seg.layout
            check(isinstance(layout, shmkit.Struct) and layout.name == struct_name, seg.header["layout"])
            check(layout.size == ctypes.sizeof(independent),
                  "%s: Java size %d, ctypes %d" % (struct_name, layout.size, ctypes.sizeof(independent)))
            check(seg.header["element_size"] == ctypes.sizeof(independent), struct_name)
            check(layout.alignment == ctypes.alignment(independent), struct_name)
            for fname, _, offset in layout.fields:
                check(getattr(independent, fname).offset == offset,
                      "%s.%s: Java offset %d, ctypes %d" % (struct_name, fname, offset, getattr(independent, fname).offset))
            check([f[0] for f in layout.fields] == [f[0] for f in fields], struct_name)
            # Java stored element 1 with every scalar byte set from its field index; read it back
            elems = (independent * seg.count).from_buffer(seg.buf, seg.header["data_offset"])
            first = getattr(elems[1], fields[0][0])
            written = first.x != 0 if isinstance(first, Point) else first not in (0, b"", None)
            check(written, "%s: element 1 was not written by Java" % struct_name)
            del elems, first
    print("layouts ok:", ", ".join(INDEPENDENT))


def values(directory, _pid):
    numpy = numpy_or_none()
    with shmkit.Segment("value", directory) as v, shmkit.Segment("array", directory) as a, \
            shmkit.Segment("string", directory) as s, shmkit.Segment("raw", directory) as r:
        dv, da, ds, dr = v.ctypes(), a.ctypes(), s.ctypes(), r.ctypes()
        check(v.kind == "value" and dv.value == 2.5, dv)
        check(list(da) == [10, 20, 30, -1], list(da))
        import multiprocessing
        python_made = multiprocessing.Array("c", b"hello world", lock=False)    # what Java's create("hello world") matches
        check(ds.value == b"hello world" and len(ds) == len(python_made) == 11 and ds.raw == python_made.raw, ds.raw)
        ds.value = python_made.value = b"hi"
        check(ds.raw == python_made.raw == b"hi\x00lo world", (ds.raw, python_made.raw))
        check(r.kind == "bytes" and bytes(dr[:3]) == b"\x01\x02\x03", bytes(dr[:3]))
        dv.value = -7.25
        da[3] = 2 ** 40
        ds.value = b"from python"
        dr[3] = 0xFF
        if numpy is not None:
            check(a.numpy().sum() == 60 + 2 ** 40, a.numpy())
        del dv, da, ds, dr
    print("values ok")


def refuses(name, _pid):
    try:
        shmkit.Segment(name)
    except shmkit.SegmentError as e:
        print(e)
        sys.exit(3)
    check(False, "attached to a non-shmkit file")


# ---------------------------------------------------------------------------------------------
# Forged headers: every rule of the Java side, with its message

_OFFSETS = {"byte_order_mark": (0x08, "I"), "format_version": (0x0C, "H"), "kind_code": (0x0E, "H"),
            "total_size": (0x10, "Q"), "data_offset": (0x18, "Q"), "data_size": (0x20, "Q"),
            "element_count": (0x28, "Q"), "element_size": (0x30, "Q"), "element_alignment": (0x38, "I"),
            "layout_length": (0x3C, "I")}


def build(base, layout=None, data=None, fix_crc=True, file_size=None, before_crc=(), after_crc=(), **fields):
    """A segment file made from base (a healthy segment's bytes): its fixed header with fields
    replaced, the layout text, the data; sizes recomputed unless given, the checksum as the
    format says (bytes 0x000..0x05B, 0x060..0x0FF, then the layout text)."""
    h = shmkit.read_header(base, "base")
    layout = h["layout"].encode() if layout is None else layout
    data = bytes(base[h["data_offset"]:]) if data is None else data
    head = bytearray(base[:shmkit.LAYOUT_OFFSET])
    values = {"layout_length": len(layout)}
    values["data_offset"] = (shmkit.LAYOUT_OFFSET + len(layout) + 63) // 64 * 64
    values["total_size"] = values["data_offset"] + len(data)
    values.update(fields)
    for key, value in values.items():
        offset, code = _OFFSETS[key]
        struct.pack_into("=" + code, head, offset, value)
    for offset, raw in before_crc:
        head[offset:offset + len(raw)] = raw
    if fix_crc:
        crc = zlib.crc32(bytes(head[:0x5C]))
        crc = zlib.crc32(bytes(head[0x60:0x100]), crc)
        struct.pack_into("=I", head, 0x5C, zlib.crc32(layout, crc))
    for offset, raw in after_crc:
        head[offset:offset + len(raw)] = raw
    start = (shmkit.LAYOUT_OFFSET + len(layout) + 63) // 64 * 64
    body = bytes(head) + layout + bytes(start - shmkit.LAYOUT_OFFSET - len(layout)) + data
    if file_size is not None:
        body = body[:file_size] + bytes(max(0, file_size - len(body)))
    return body


def forged_files(base):
    """name -> file bytes. The names ending in -ok must be accepted, all others refused."""
    deep = lambda n: b"{a:" * n + b"i8" + b"@0}#1" * n  # noqa: E731
    return {
        "elf": b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00",
        "magic-only": shmkit.MAGIC,
        "short-header": base[:100],
        "v1": build(base, format_version=1),
        "v3": build(base, format_version=3),
        "kind-9": build(base, kind_code=9),
        "bom-swapped": build(base, byte_order_mark=0x04030201),
        "bom-garbage": build(base, byte_order_mark=0x12345678),
        "layout-length-0": build(base, layout_length=0),
        "layout-length-65537": build(base, layout_length=65537),
        "layout-length-max": build(base, layout_length=0xFFFFFFFF),
        "layout-past-eof": build(base, layout_length=200),
        "crc-start-ticks": build(base, after_crc=[(0x060, b"\x01")]),
        "crc-pid-namespace": build(base, after_crc=[(0x068, b"\x02")]),
        "crc-boot-id": build(base, after_crc=[(0x080, b"\x03")]),
        "crc-reserved": build(base, after_crc=[(0x0F0, b"\x04")]),
        "crc-flags": build(base, after_crc=[(0x058, b"\x01")]),
        "crc-layout": build(base, layout=b"i64", after_crc=[(0x200, b"u")]),
        "no-crc": build(base, fix_crc=False, after_crc=[(0x5C, bytes(4))]),
        "lock-area-ok": build(base, after_crc=[(0x100, b"\xff" * 256)]),
        "unknown-boot-ok": build(base, before_crc=[(0x078, bytes(16))]),
        "reserved-set-ok": build(base, before_crc=[(0x0A0, b"\x01")]),
        "element-size-4": build(base, element_count=8, element_size=4),
        "element-size-16": build(base, element_count=2, element_size=16),
        "element-size-0": build(base, element_size=0),
        "element-size-negative": build(base, element_size=1 << 63),
        "count-negative": build(base, element_count=(1 << 63) + 1),
        "alignment-0": build(base, element_alignment=0),
        "alignment-3": build(base, element_alignment=3),
        "alignment-4": build(base, element_alignment=4),
        "alignment-16-ok": build(base, element_alignment=16),
        "count-overflow": build(base, element_count=1 << 61),
        "data-size": build(base, data_size=40),
        "data-offset": build(base, data_offset=640),
        "total-size": build(base, total_size=700),
        "total-overflow": build(base, element_count=(1 << 60) - 1, data_size=(1 << 63) - 8),
        "truncated-data": build(base, file_size=600),
        "trailing-bytes": build(base, file_size=609),
        "zero-count-ok": build(base, element_count=0, data_size=0, total_size=576, data=b""),
        "utf8-invalid": build(base, layout=b"\xff\xfe4"),
        "utf8-surrogate": build(base, layout=b"\xed\xa0\x80"),
        "layout-unknown-scalar": build(base, layout=b"i6x"),
        "layout-trailing": build(base, layout=b"i64]"),
        "layout-nul": build(base, layout=b"i64\x00"),
        "layout-space": build(base, layout=b"i64 "),
        "layout-dims-first": build(base, layout=b"[4]i64"),
        "layout-unicode-digit": build(base, layout="i8[\u0663]".encode()),
        "layout-overlap": build(base, layout=b"P{a:i64@0,b:i32@4}#16"),
        "layout-misaligned": build(base, layout=b"P{a:i8@0,b:i32@2}#8"),
        "layout-struct-size": build(base, layout=b"P{a:i64@0}#12"),
        "layout-empty-struct": build(base, layout=b"{}#0"),
        "layout-no-size": build(base, layout=b"P{a:i64@0}"),
        "layout-too-deep": build(base, layout=deep(65), element_size=1, element_count=32, element_alignment=1),
        "layout-64-deep-ok": build(base, layout=deep(64), element_size=1, element_count=32, element_alignment=1),
        "layout-number-too-large": build(base, layout=b"i8[1234567890123456789]"),
        "layout-dims-overflow": build(base, layout=b"i64[999999999999999999][999999999999999999]"),
        "layout-named-f64-ok": build(base, layout=b"f64{a:i8@0}#1", element_size=1, element_count=32),
        "layout-chars-ok": build(base, layout=b"S{a:char[5]@0,b:f64@8}#16", element_size=16, element_count=2),
        "layout-long-garbage": build(base, layout=b"\x01" * 300),
    }


def forge(directory, _pid):
    with open(os.path.join(directory, "healthy"), "rb") as f:
        base = f.read()
    files = forged_files(base)
    for name, body in files.items():
        with open(os.path.join(directory, name), "xb") as f:
            f.write(body)
    print("forged %d files" % len(files))


def report(directory, _pid):
    """One line per entry of the directory: NAME<TAB>OK, or NAME<TAB>the SegmentError's message.
    Every attach is made both ways; read-write and read-only must agree."""
    for name in sorted(os.listdir(directory)):
        results = []
        for readonly in (False, True):
            try:
                shmkit.Segment(name, directory, readonly=readonly).close()
                results.append("OK")
            except shmkit.SegmentError as e:
                results.append(str(e))
        check(results[0] == results[1], "%s: read-write says %s, read-only %s" % (name, results[0], results[1]))
        print("%s\t%s" % (name, results[0]))


# ---------------------------------------------------------------------------------------------
# Files that are not segments, or not ours

SPECIAL = ("fifo", "socket", "directory", "link", "dangling", "other-user")


def make_special(directory, _pid=None):
    """Next to the segment 'healthy': a FIFO, a socket, a directory, symbolic links, and (as
    root) a copy of 'healthy' owned by uid 65534."""
    os.mkfifo(os.path.join(directory, "fifo"))
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(os.path.join(directory, "socket"))
    sock.close()
    os.mkdir(os.path.join(directory, "directory"))
    os.symlink("healthy", os.path.join(directory, "link"))
    os.symlink("nowhere", os.path.join(directory, "dangling"))
    other = os.path.join(directory, "other-user")
    with open(os.path.join(directory, "healthy"), "rb") as f, open(other, "xb") as g:
        g.write(f.read())
    if os.geteuid() == 0:
        os.chown(other, 65534, 65534)
        print("other-user is uid 65534")
    else:
        os.unlink(other)
        print("other-user skipped: not root, cannot chown")


def snapshot(path):
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    digest = None
    if stat.S_ISREG(st.st_mode):
        sha = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                sha.update(chunk)
        digest = sha.hexdigest()
    return (stat.S_IFMT(st.st_mode), st.st_ino, st.st_size, st.st_uid, st.st_mtime_ns, digest)


def badfiles(directory, _pid):
    """Every bad file (made by Java, plus the special ones made here) and a missing name are
    refused with SegmentError, read-write and read-only, and are exactly as before."""
    make_special(directory)
    bad = sorted(n for n in os.listdir(directory) if n != "healthy") + ["missing"]
    for name in bad:
        path = os.path.join(directory, name)
        before = snapshot(path)
        for readonly in (False, True):
            message = raises("segment '%s' " % name, lambda: shmkit.Segment(name, directory, readonly=readonly),
                             "%s (readonly=%s)" % (name, readonly))
            check(snapshot(path) == before, "%s changed: %s -> %s" % (name, before, snapshot(path)))
        print("refused %s: %s" % (name, message))
    # the opt-ins attach what they are meant to
    if os.path.exists(os.path.join(directory, "other-user")):
        with shmkit.Segment("other-user", directory, trust_other_users=True) as seg:
            check(list(seg.numpy() if numpy_or_none() else seg.ctypes()) == [1, 2, 3, 4], "other-user")
    with shmkit.Segment("link", directory, follow_links=True) as seg:
        check(seg.header["layout"] == "i64" and seg.count == 4, seg)
    raises("is not a segment", lambda: shmkit.Segment("fifo", directory, follow_links=True), "fifo, following links")
    raises("is a dangling symbolic link", lambda: shmkit.Segment("dangling", directory, follow_links=True), "dangling")
    print("badfiles ok")


def tinyulimit(directory, _pid):
    """Run under `ulimit -v`: the mapping of 'big' fails; the file must stay as it was."""
    import resource
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    path = os.path.join(directory, "big")
    size = os.lstat(path).st_size
    check(soft != resource.RLIM_INFINITY and soft < size, "not limited below the segment size: %s" % soft)
    before = snapshot(path)
    for readonly in (False, True):
        message = raises("cannot be mapped", lambda: shmkit.Segment("big", directory, readonly=readonly), "big")
        check(snapshot(path) == before, "big changed: %s -> %s" % (before, snapshot(path)))
    print("refused big: %s" % message)


# ---------------------------------------------------------------------------------------------
# Names

class Touched(Exception):
    pass


def names(directory, _pid):
    """Prints NAME_AS_UTF8_HEX<TAB>VALID or <TAB>the SegmentError's message, for Java to compare
    with SegmentNames; invalid names must be refused before anything touches the file system."""
    here = os.path.basename(directory)
    candidates = ["a/b", "..", "../x", "/etc/x", "/etc/passwd", "", ".", ".hidden", "-rf", "a..b", "x" * 201,
                  "a\0b", "a b", "a\\b", "\u00e9t\u00e9", "tab\there", "a:b", "x" * 200, "_x", "0", "a.b-c_d", "Z9",
                  "../" + here + "/healthy", os.path.join(directory, "healthy"), "healthy/", "./healthy"]
    saved = {f: getattr(os, f) for f in ("open", "lstat", "stat", "fstat", "listdir", "scandir", "readlink")}

    def touched(*args, **kwargs):
        raise Touched("touched the file system: %r" % (args,))

    for name in candidates:
        try:
            shmkit.validate_name(name)
            print("%s\tVALID" % name.encode("utf-8").hex())
            continue
        except shmkit.SegmentError as e:
            message = str(e)
        print("%s\t%s" % (name.encode("utf-8").hex(), message))
        for f in saved:
            setattr(os, f, touched)
        try:
            for directory_arg in (directory, None):
                again = raises("invalid segment name", lambda: shmkit.Segment(name, directory_arg), repr(name))
                check(again == message, "%r: %s, then %s" % (name, message, again))
        finally:
            for f, fn in saved.items():
                setattr(os, f, fn)
    raises("invalid segment name", lambda: shmkit.Segment(None, directory), "None")
    raises("invalid segment name", lambda: shmkit.Segment(b"healthy", directory), "bytes")
    with shmkit.Segment("healthy", directory) as seg:     # the positive control
        check(seg.count == 4, seg)


# ---------------------------------------------------------------------------------------------
# Read-only attach, the docstring, views after close

def readonly(directory, _pid):
    numpy = numpy_or_none()
    with shmkit.Segment("doubles", directory, readonly=True) as seg:
        check(seg.readonly and seg.data.readonly and seg.buf.readonly, seg)
        check(struct.unpack("=3d", seg.data) == (1.5, -2.0, 3.25), struct.unpack("=3d", seg.data))
        check(all(line.split()[1] == "r--s" for line in mapped(seg.path)) and mapped(seg.path), mapped(seg.path))
        try:
            seg.data[0] = 1
            check(False, "wrote through data")
        except TypeError:
            pass
        try:
            seg.buf[0x300] = 1
            check(False, "wrote through buf")
        except TypeError:
            pass
        raises("is attached read-only: ctypes objects need writable memory", seg.ctypes, "ctypes() read-only")
        if numpy is not None:
            arr = seg.numpy()
            check(list(arr) == [1.5, -2.0, 3.25] and not arr.flags.writeable, arr)
            try:
                arr[0] = 99
                check(False, "wrote through numpy")
            except ValueError:
                pass
            try:
                arr.flags.writeable = True
                check(False, "made the numpy array writeable")
            except ValueError:
                pass
            del arr
    with shmkit.Segment("doubles", directory) as seg:      # read-write maps rw-s
        check(all(line.split()[1] == "rw-s" for line in mapped(seg.path)) and mapped(seg.path), mapped(seg.path))
    print("readonly ok, numpy", "used" if numpy is not None else "absent")


def docstring(directory, _pid):
    """Runs the example of shmkit's docstring as written, with /dev/shm standing for this directory."""
    lines = shmkit.__doc__.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "from shmkit import Segment")
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    example = textwrap.dedent("\n".join(lines[start:end]))
    check('Segment("points")' in example, example)
    print(example)
    problems = []
    sys.unraisablehook = lambda u: problems.append("%s: %s" % (u.exc_type.__name__, u.exc_value))
    shmkit.DEV_SHM = directory
    namespace = {}
    exec(compile(example, "<shmkit docstring>", "exec"), namespace)
    seg = namespace["seg"]
    path = os.path.join(directory, "points")
    check(seg.closed, "the with block left the segment attached")
    check(mapped(path), "the views of the example lost their memory")
    check([p.x for p in namespace["points"]] == [1, 25, 4], [p.x for p in namespace["points"]])
    p = namespace["p"]                       # the example's loop variable, a view into the last point
    check((p.x, p.y) == (4, 9), "p after the with block: %s" % ((p.x, p.y),))
    seg.close()                              # closing again, the example's views alive: nothing happens
    seg.close()
    check(seg.closed and mapped(path) and (p.x, p.y) == (4, 9), "p after closing again: %s" % ((p.x, p.y),))
    # the version that once failed: the loop variable outlives the deleted array when the block closes
    with shmkit.Segment("points", directory) as again:
        pts = again.ctypes()
        for q in pts:
            pass
        del pts
    again.close()
    check((q.x, q.y) == (4, 9), "q after the block: %s" % ((q.x, q.y),))
    namespace.clear()
    del seg, p, q, again
    check(not mapped(path), "still mapped after the example's views were deleted: %s" % mapped(path))
    check(not problems, problems)
    print("docstring ok")


def views(directory, _pid):
    """close() with every kind of view alive: never raises, the views stay valid (writes reach
    Java), the segment's own memoryviews are released, and the mapping goes with the last view."""
    numpy = numpy_or_none()
    seg = shmkit.Segment("points", directory)
    pts = seg.ctypes()
    p = pts[1]
    data = seg.data
    piece = seg.data[16:32]
    arr = seg.numpy() if numpy is not None else None
    del pts
    seg.close()
    seg.close()                                            # again: nothing
    check(seg.closed, seg)
    check(mapped(seg.path), "unmapped under live views")
    p.x = 7.0                                              # Java checks this
    check(struct.unpack("=2d", piece) == (7.0, 2.0), struct.unpack("=2d", piece))
    if arr is not None:
        check(arr["x"][1] == 7.0, arr)
    try:
        data[0]
        check(False, "seg.data handed out before close() is still usable")
    except ValueError:
        pass
    for what in ("data", "buf", "ctypes", "numpy"):
        raises("segment 'points' is closed", lambda: getattr(seg, what) if what in ("data", "buf") else getattr(seg, what)(),
               what + " after close()")
    raises("is closed", lambda: seg.__enter__(), "with on a closed segment")
    del p, piece, arr
    check(not mapped(seg.path), "still mapped after the last view went: %s" % mapped(seg.path))

    # an exception inside the block, with views alive, comes out as itself
    try:
        with shmkit.Segment("points", directory) as seg2:
            q = seg2.ctypes()[0]
            raise KeyError("inside")
    except KeyError as e:
        check(e.args == ("inside",), e)
    check(seg2.closed and q.x == 1.0, q.x)
    del q
    check(not mapped(seg2.path), "still mapped after the exception's view went")
    print("views ok, numpy", "used" if numpy is not None else "absent")


def clash(directory, _pid):
    """A Java record whose components are named like ctypes' class methods (from_buffer,
    from_buffer_copy): ctypes() and the preview must still work."""
    with shmkit.Segment("clash", directory) as seg:
        items = seg.ctypes()
        check(len(items) == 2 and items[1].from_buffer == 3 and items[1].from_buffer_copy == 4,
              [(x.from_buffer, x.from_buffer_copy) for x in items])
        items[0].from_buffer = 7
    print("clash ok")


SCENARIOS = {"clash": clash, "points": points, "layouts": layouts, "values": values, "refuses": refuses, "forge": forge,
             "report": report, "special": make_special, "badfiles": badfiles, "tinyulimit": tinyulimit,
             "names": names, "readonly": readonly, "docstring": docstring, "views": views}

if __name__ == "__main__":
    SCENARIOS[sys.argv[2]](sys.argv[3], int(sys.argv[4]))
