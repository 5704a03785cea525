"""Attach to shmkit segments from Python.

A segment that a JVM created with shmkit is a file (by default /dev/shm/<name>, the namespace
of multiprocessing.shared_memory) that starts with a self-describing header, format version 2;
see docs/format.md. This module checks that header exactly as the Java side does and exposes
the data, without copying, as

- a memoryview of the data bytes            (Segment.data)
- ctypes objects of the matching types       (Segment.ctypes(): c_double, c_int64 * n,
                                              a Structure class, an array of Structures)
- a numpy array, when numpy is importable    (Segment.numpy())

Standard library only (taking a queue role or a lock also needs libatomic, below). Writes
through any of these views are seen by the JVMs at once.

    from shmkit import Segment
    with Segment("points") as seg:            # created in Java as SharedStructArray<Point>
        points = seg.ctypes()                 # (Point * 3), fields x and y, in the shared memory
        for p in points:
            p.x **= 2                         # the JVMs see the new x at once
    # leaving the block detaches; points and p stay valid until they are deleted (see close())

Segment(name, readonly=True) maps the file read-only: data and numpy() read, ctypes() refuses.

Segment.get_lock() is the segment's built-in reentrant lock, the one Java takes with
SharedReentrantLock.of(object), as multiprocessing's Value(...).get_lock(): acquire(blocking,
timeout), release(), with, locked(), reentrant per thread. A holder whose process died is taken
over and is_consistent() turns False until mark_consistent() (docs/locks.md §3, §8). Refused
(SegmentError) read-only, off x86-64, without libatomic, or across pid namespaces and boots.

    with Segment("counter") as seg:           # created in Java as a SharedLong
        counter = seg.ctypes()
        with seg.get_lock():                  # no JVM or Python thread that takes the lock is inside meanwhile
            counter.value += 1

Attaching never creates, deletes, resizes or writes a segment file, and refuses, with a
SegmentError naming the segment and the problem, anything that is not a complete, valid
segment: a missing name, a FIFO, socket, directory, device or symbolic link (unless
follow_links=True), another user's file (unless trust_other_users=True), an empty, truncated,
foreign or corrupt file, or a mapping the system refuses.

Queues of shm-msg (docs/messaging.md; MessageQueue, RecordQueue in Java) are attached with Queue,
which checks the queue descriptor as Java does:

    from shmkit import Queue
    with Queue("jobs") as q:                  # created in Java: one producer or many
        consumer = q.consumer()               # takes the consumer role
        for type, data in consumer:           # (int, bytes), until every producer closed and all was read
            handle(type, data)
    with Queue("ticks") as q:                 # a RecordQueue<Tick> of one producer
        with q.producer() as p:               # takes the producer role; close() ends the stream
            p.send_record({"time": 1, "price": 99.5})    # or a q.record_type instance

A consumer reads one- and many-producer queues: recv(timeout), recv_many(limit, timeout),
poll(), recv_record(), poll_record(); EndOfStream (an EOFError) when nothing will come. A
producer writes one-producer queues only: offer(), send(type, data, timeout), offer_record(),
send_record(); QueueFull when no room comes. What Python does and cannot do with queues, and
why, is in docs/messaging.md §7: in short, writing a many-producer queue is refused (its claimer
word needs a compare-and-set, which the standard library lacks), taking part is refused anywhere
but on x86-64 (whose aligned loads and stores are acquire and release), and roles, which are taken
with compare-and-set (docs/locks.md §6), use libatomic.so.1 through ctypes: without it a role is
refused, saying why. Roles of dead processes are taken back; a half-written message whose writer
is certainly dead (/proc, docs/locks.md §2) is dropped.

Queue(name, kernel_waits=True) makes its consumer and producer wait asleep in the kernel (Linux
futex(2) on the queue's wake words, through libc's syscall with ctypes; docs/messaging.md §4a)
instead of polling with sleeps of up to 1 ms, woken by the JVM and Python producers and consumers
that asked for kernel waits too (Java: LockOptions.KERNEL_WAITS in the queue's options), which it
wakes in turn. Off by default; off, it touches no wake word and makes no system call.

Attaching a Segment or a Queue, and status(), never writes; a queue's words are written only by
the consumer and producer it hands out, and a segment's lock words only by its lock.

Run `python3 shmkit.py NAME [--dir DIR]` to print a segment's header and a preview (for a queue,
its positions, roles and stream state); on a file it cannot read it prints one line to stderr
and exits with status 2.
"""

import ctypes
import errno
import mmap
import os
import stat
import struct
import sys
import threading
import time
import uuid
import zlib

__all__ = ["Segment", "SegmentError", "SegmentLock", "parse_layout", "ctype_of", "dtype_of", "read_header",
           "validate_name", "Queue", "QueueProducer", "QueueConsumer", "QueueFull", "EndOfStream", "ONE_PRODUCER", "MANY_PRODUCERS"]

MAGIC = b"SHMKIT\x1a\n"
BYTE_ORDER_MARK = 0x01020304
FORMAT_VERSION = 2
CHECKSUM_OFFSET = 0x05C
CREATOR_START_TICKS_OFFSET = 0x060
CREATOR_BOOT_ID_OFFSET = 0x078
INSTANCE_ID_OFFSET = 0x088
CHECKSUMMED_END = 0x100          # the checksum covers 0x000..0x05B, 0x060..0x0FF, then the layout text
LOCK_AREA_OFFSET = 0x100         # 0x100..0x1FF: lock words, the only header bytes that change
LAYOUT_OFFSET = 0x200            # also the size of the fixed header
MAX_LAYOUT_LENGTH = 64 * 1024
MAX_LAYOUT_DEPTH = 64
DATA_ALIGNMENT = 64
MAX_NAME_LENGTH = 200
DEV_SHM = "/dev/shm"
_LONG_MAX = (1 << 63) - 1        # Java's sizes are signed 64-bit: every sum and product must stay below

KINDS = {1: "value", 2: "array", 3: "struct", 4: "struct_array", 5: "bytes", 6: "queue", 7: "broadcast"}

SCALAR_SIZES = {"bool": 1, "i8": 1, "u8": 1, "char": 1, "i16": 2, "u16": 2, "i32": 4, "f32": 4, "i64": 8, "f64": 8}
SCALAR_CTYPES = {
    "bool": ctypes.c_bool, "i8": ctypes.c_int8, "u8": ctypes.c_uint8, "char": ctypes.c_char,
    "i16": ctypes.c_int16, "u16": ctypes.c_uint16, "i32": ctypes.c_int32, "i64": ctypes.c_int64,
    "f32": ctypes.c_float, "f64": ctypes.c_double,
}
SCALAR_DTYPES = {
    "bool": "?", "i8": "i1", "u8": "u1", "char": "S1", "i16": "i2", "u16": "u2", "i32": "i4",
    "i64": "i8", "f32": "f4", "f64": "f8",
}

# Header fields from 0x008 to the checksum, then the creator fields of version 2, in native
# order ('=' keeps the offsets of docs/format.md).
_FIELDS = struct.Struct("=IHHQQQQQIIqqqII")
_NAMES = ("byte_order_mark", "format_version", "kind_code", "total_size", "data_offset", "data_size",
          "element_count", "element_size", "element_alignment", "layout_length", "creator_pid",
          "creator_start_ms", "created_ms", "flags", "checksum")
_CREATOR = struct.Struct("=QQQ")
_CREATOR_NAMES = ("creator_start_ticks", "creator_pid_namespace", "creator_time_namespace")


class SegmentError(Exception):
    """A file that is not a readable shmkit segment, an invalid name, or a misuse of a segment.
    The message names the segment; .segment holds the name (None where there is none)."""

    def __init__(self, message, segment=None):
        Exception.__init__(self, message)
        self.segment = segment


def _error(name, what):
    """The Java side's wording: "segment 'NAME' WHAT"."""
    return SegmentError("segment '%s' %s" % (name, what), name)


# ---------------------------------------------------------------------------------------------
# Names (the rules of io.shmkit.core.SegmentNames)

def validate_name(name):
    """Returns name if it is a valid segment name: 1 to 200 characters from [A-Za-z0-9._-],
    starting with a letter, a digit or '_', without '..'; so always one plain file name, never
    a path. Raises SegmentError naming the rule it breaks."""
    if not isinstance(name, str):
        raise SegmentError("invalid segment name %r: it is not a str" % (name,))
    if not name:
        raise _invalid(name, "it is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise _invalid(name, "it has %d characters, at most %d are allowed" % (len(name), MAX_NAME_LENGTH))
    for i, c in enumerate(name):
        if not _is_name_char(c):
            what = ("a path separator" if c in "/\\" else "a NUL character" if c == "\0"
                    else "a character outside [A-Za-z0-9._-]")
            shown = "'%s'" % c if " " <= c < "\x7f" else "U+%04X" % ord(c)
            raise _invalid(name, "it contains %s (%s) at index %d" % (what, shown, i))
    if name[0] in ".-":
        raise _invalid(name, "it starts with '%s'; names start with a letter, a digit or '_'" % name[0])
    if ".." in name:
        raise _invalid(name, "it contains '..'")
    return name


def _is_name_char(c):
    return "a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9" or c in "._-"


def _invalid(name, why):
    shown = "".join("\\u%04x" % ord(c) if ord(c) < 0x20 or c == "\x7f" else c for c in name[:MAX_NAME_LENGTH + 20])
    return SegmentError("invalid segment name '%s%s': %s" % (shown, "..." if len(name) > MAX_NAME_LENGTH + 20 else "", why))


# ---------------------------------------------------------------------------------------------
# Layout text (grammar in docs/format.md)

class Scalar:
    def __init__(self, code):
        self.code = code
        self.size = self.alignment = SCALAR_SIZES[code]

    def __repr__(self):
        return self.code


class Array:
    def __init__(self, element, dims):
        self.element, self.dims = element, dims   # dims outermost first, as C declares them
        self.size, self.alignment = element.size, element.alignment
        for n in dims:
            self.size *= n

    def __repr__(self):
        return repr(self.element) + "".join("[%d]" % n for n in self.dims)


class Struct:
    def __init__(self, name, fields, size, alignment=None):
        self.name, self.fields, self.size = name, fields, size   # fields: (name, type, offset)
        self.alignment = alignment if alignment is not None else max([f[1].alignment for f in fields] or [1])

    def __repr__(self):
        inner = ",".join("%s:%r@%d" % f for f in self.fields)
        return "%s{%s}#%d" % (self.name, inner, self.size)


def parse_layout(text):
    """Parses a layout text such as 'Point{x:f64@0,y:f64@8}#16' into Scalar/Array/Struct, each
    with .size and .alignment. Applies the rules of the Java side (io.shmkit.core.LayoutText):
    fields in order, not overlapping, aligned; a struct's #size holds its fields and is a
    multiple of its alignment; at most 64 nested structs; sizes below 2**63. Raises SegmentError
    saying what is wrong and where."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = _decode_layout(bytes(text))
    return _LayoutParser(text).parse()


def _decode_layout(raw):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SegmentError("layout text is not valid UTF-8: %s" % _escape(raw)) from None


class _LayoutParser:
    """A port of io.shmkit.core.LayoutText, with the same messages and positions."""

    def __init__(self, text):
        self.text, self.pos = text, 0

    def parse(self):
        result = self.type(0)
        if self.pos != len(self.text):
            raise self.error("unexpected text after the layout")
        return result

    def type(self, depth):
        if depth > MAX_LAYOUT_DEPTH:
            raise self.error("structs nested more than %d deep" % MAX_LAYOUT_DEPTH)
        start = self.pos
        word = self.identifier()
        if self.peek() == "{":
            base = self.struct(depth, word)
        elif not word:
            raise self.error("expected a scalar type or a struct")
        elif word not in SCALAR_SIZES:
            self.pos = start
            raise self.error("unknown scalar type '%s'" % word)
        else:
            base = Scalar(word)
        dims, size = [], base.size
        while self.peek() == "[":
            self.pos += 1
            count = self.number()
            self.expect("]")
            size = self.checked(size * count)
            dims.append(count)
        return Array(base, dims) if dims else base

    def struct(self, depth, name):
        self.expect("{")
        fields, end, alignment = [], 0, 1
        while True:
            if fields:
                self.pos += 1          # the ','
            field = self.identifier()
            if not field:
                raise self.error("expected a field name")
            self.expect(":")
            ftype = self.type(depth + 1)
            self.expect("@")
            offset = self.number()
            if offset < end:
                raise self.error("field at offset %d overlaps the previous field, which ends at %d" % (offset, end))
            if offset % ftype.alignment != 0:
                raise self.error("field at offset %d is not aligned to %d" % (offset, ftype.alignment))
            end = self.checked(offset + ftype.size)
            alignment = max(alignment, ftype.alignment)
            fields.append((field, ftype, offset))
            if self.peek() != ",":
                break
        self.expect("}")
        self.expect("#")
        size = self.number()
        if size < end or size % alignment != 0:
            raise self.error("struct size %d does not hold its fields (%d bytes) at alignment %d" % (size, end, alignment))
        return Struct(name or "struct", fields, size, alignment)

    def identifier(self):
        start, text = self.pos, self.text
        while self.pos < len(text):
            c = text[self.pos]
            if not ("a" <= c <= "z" or "A" <= c <= "Z" or c in "_$" or (self.pos > start and "0" <= c <= "9")):
                break
            self.pos += 1
        return text[start:self.pos]

    def number(self):
        start, text = self.pos, self.text
        while self.pos < len(text) and "0" <= text[self.pos] <= "9":
            self.pos += 1
        if self.pos == start:
            raise self.error("expected a number")
        if self.pos - start > 18:
            self.pos = start
            raise self.error("number too large")
        return int(text[start:self.pos])

    def peek(self):
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, c):
        if self.peek() != c:
            raise self.error("expected '%s'" % c)
        self.pos += 1

    def checked(self, value):
        if value > _LONG_MAX:
            raise self.error("sizes overflow 64 bits")
        return value

    def error(self, what):
        return SegmentError("layout text %s does not parse: %s at index %d"
                            % (_escape(self.text.encode("utf-8", "surrogatepass")), what, self.pos))


def _escape(raw):
    """The bytes as a quoted string, non-printable and non-ASCII bytes as \\xNN, cut after 200."""
    shown = "".join(chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else "\\x%02x" % b for b in raw[:200])
    return '"%s"' % shown + ("... (%d bytes)" % len(raw) if len(raw) > 200 else "")


def ctype_of(t, _cache=None):
    """The ctypes type of a parsed layout. Structs are checked: ctypes must place every field
    at the offset the layout states (explicit padding is inserted where the layout has more)."""
    if isinstance(t, Scalar):
        return SCALAR_CTYPES[t.code]
    if isinstance(t, Array):
        c = ctype_of(t.element)
        for n in reversed(t.dims):
            c = c * n
        return c
    fields, offset, pads = [], 0, 0
    for name, ftype, at in t.fields:
        c = ctype_of(ftype)
        natural = _align(offset, ctypes.alignment(c))
        if at > natural:
            fields.append(("_pad%d" % pads, ctypes.c_uint8 * (at - offset)))
            pads += 1
        fields.append((name, c))
        offset = at + ctypes.sizeof(c)
    cls = type(t.name, (ctypes.Structure,), {"_fields_": fields})
    if ctypes.sizeof(cls) < t.size:
        fields.append(("_pad%d" % pads, ctypes.c_uint8 * (t.size - ctypes.sizeof(cls))))
        cls = type(t.name, (ctypes.Structure,), {"_fields_": fields})
    for name, _, at in t.fields:
        if getattr(cls, name).offset != at:
            raise SegmentError("ctypes places %s.%s at %d, the segment at %d" % (t.name, name, getattr(cls, name).offset, at))
    if ctypes.sizeof(cls) != t.size:
        raise SegmentError("ctypes sizes %s at %d bytes, the segment at %d" % (t.name, ctypes.sizeof(cls), t.size))
    return cls


def dtype_of(t):
    """The numpy dtype of a parsed layout (numpy must be importable)."""
    import numpy as np
    if isinstance(t, Scalar):
        return np.dtype(SCALAR_DTYPES[t.code])
    if isinstance(t, Array):
        if isinstance(t.element, Scalar) and t.element.code == "char":
            inner = np.dtype("S%d" % t.dims[-1])
            return np.dtype((inner, tuple(t.dims[:-1]))) if len(t.dims) > 1 else inner
        return np.dtype((dtype_of(t.element), tuple(t.dims)))
    return np.dtype({"names": [f[0] for f in t.fields], "formats": [dtype_of(f[1]) for f in t.fields],
                     "offsets": [f[2] for f in t.fields], "itemsize": t.size})


def _align(value, alignment):
    return (value + alignment - 1) // alignment * alignment


# ---------------------------------------------------------------------------------------------
# Header

def read_header(buf, name="?", path=None, file_size=None):
    """Validates the header at the start of buf (bytes-like: the whole file, or at least its
    first 0x200 bytes and the layout text) and returns a dict of its fields, with "kind",
    "layout" (the text), "creator_boot_id" (a uuid.UUID, or None if unknown) and the other
    fields of docs/format.md. file_size is the size of the file (default len(buf)); path is
    shown in messages. Performs the checks of the Java side (io.shmkit.core.SegmentHeader), in
    its order and with its messages, and raises SegmentError at the first that fails."""
    return _check_header(buf, name, path, file_size)[0]


def _check_header(buf, name, path, file_size):
    where = path if path is not None else "<buffer>"
    available = len(buf)
    if file_size is None:
        file_size = available
    available = min(available, file_size)
    if available < len(MAGIC) or bytes(buf[:len(MAGIC)]) != MAGIC:
        first = " ".join("%02x" % b for b in bytes(buf[:min(available, 8)]))
        raise _error(name, "is not a shmkit segment: %s (%d bytes) does not start with the shmkit magic%s"
                     % (where, file_size, " (first bytes: %s)" % first if available else ""))
    if file_size < LAYOUT_OFFSET or len(buf) < LAYOUT_OFFSET:
        raise _error(name, "is truncated: %s has %d bytes, the header alone needs %d" % (where, file_size, LAYOUT_OFFSET))
    h = dict(zip(_NAMES, _FIELDS.unpack_from(buf, 8)))
    h.update(zip(_CREATOR_NAMES, _CREATOR.unpack_from(buf, CREATOR_START_TICKS_OFFSET)))
    bom = h["byte_order_mark"]
    if bom == int.from_bytes(BYTE_ORDER_MARK.to_bytes(4, "little"), "big"):
        raise _error(name, "was written in the other byte order than this machine's (%s_ENDIAN)" % sys.byteorder.upper())
    if bom != BYTE_ORDER_MARK:
        raise _corrupt(name, "byte-order mark is 0x%x" % bom)
    if h["format_version"] != FORMAT_VERSION:
        raise _error(name, "has format version %d; this shmkit reads version %d" % (h["format_version"], FORMAT_VERSION))
    n = h["layout_length"]
    if n < 1 or n > MAX_LAYOUT_LENGTH:
        raise _corrupt(name, "layout text length is %d" % n)
    if LAYOUT_OFFSET + n > file_size:
        raise _error(name, "is truncated: %s has %d bytes, its layout text ends at %d" % (where, file_size, LAYOUT_OFFSET + n))
    if len(buf) < LAYOUT_OFFSET + n:      # a buffer cut short, or a file that shrank while it was read
        raise _error(name, "is truncated: %s has %d bytes, its layout text ends at %d" % (where, len(buf), LAYOUT_OFFSET + n))
    raw_layout = bytes(buf[LAYOUT_OFFSET:LAYOUT_OFFSET + n])
    crc = zlib.crc32(bytes(buf[:CHECKSUM_OFFSET]))
    crc = zlib.crc32(bytes(buf[CHECKSUM_OFFSET + 4:CHECKSUMMED_END]), crc)
    crc = zlib.crc32(raw_layout, crc)
    if crc != h["checksum"]:
        raise _corrupt(name, "checksum is 0x%x but the header hashes to 0x%x" % (h["checksum"], crc))
    h["kind"] = KINDS.get(h["kind_code"])
    if h["kind"] is None:
        raise _corrupt(name, "kind code %d is unknown" % h["kind_code"])
    try:
        layout = _decode_layout(raw_layout)
        parsed = _LayoutParser(layout).parse()
    except SegmentError as e:
        raise _corrupt(name, str(e)) from None
    h["layout"] = layout
    count, size, alignment = h["element_count"], h["element_size"], h["element_alignment"]
    data_offset, data_size, total_size = h["data_offset"], h["data_size"], h["total_size"]
    if count > _LONG_MAX:
        raise _corrupt(name, "element count is negative: %d" % count)
    if size == 0 or size > _LONG_MAX:
        raise _corrupt(name, "element size is not positive: %d" % size)
    if size != parsed.size:
        raise _corrupt(name, "element size is %d but the layout text %s describes %d bytes" % (size, layout, parsed.size))
    if alignment == 0 or alignment & (alignment - 1) or alignment < parsed.alignment:
        raise _corrupt(name, "element alignment is %d; the layout needs a power of two of at least %d"
                       % (alignment, parsed.alignment))
    product = count * size
    if product > _LONG_MAX:
        raise _corrupt(name, "element count %d x element size %d overflows 64 bits" % (count, size))
    if data_size != product:
        raise _corrupt(name, "sizes disagree: data size is %d but count %d x element size %d = %d"
                       % (data_size, count, size, product))
    expected_offset = _align(LAYOUT_OFFSET + n, DATA_ALIGNMENT)
    if data_offset != expected_offset:
        raise _corrupt(name, "data offset is %d; a layout text of %d bytes puts it at %d" % (data_offset, n, expected_offset))
    if data_offset + data_size > _LONG_MAX or data_offset + data_size != total_size:
        raise _corrupt(name, "total size is %d but data offset %d + data size %d%s"
                       % (total_size, data_offset, data_size, " overflows 64 bits" if data_offset + data_size > _LONG_MAX
                          else " = %d" % (data_offset + data_size)))
    if file_size != total_size:
        raise _error(name, "%s: %s has %d bytes, its header says %d"
                     % ("is truncated" if file_size < total_size else "has trailing bytes", where, file_size, total_size))
    boot = bytes(buf[CREATOR_BOOT_ID_OFFSET:CREATOR_BOOT_ID_OFFSET + 16])
    h["creator_boot_id"] = uuid.UUID(bytes=boot) if any(boot) else None
    h["instance_id"] = struct.unpack_from("=Q", buf, INSTANCE_ID_OFFSET)[0]
    return h, parsed


def _corrupt(name, what):
    return _error(name, "has a corrupt header: " + what)


# ---------------------------------------------------------------------------------------------
# Files

_S_TYPES = ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"),
            (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"))


def _file_type(mode):
    for test, what in _S_TYPES:
        if test(mode):
            return what
    return "a file of unknown type 0%o" % stat.S_IFMT(mode)


def _default_directory():
    """/dev/shm where it exists (Linux), else shmkit under /tmp (Java's java.io.tmpdir), checked as Java
    checks it: a real directory of this user that nobody else can write."""
    if os.path.isdir(DEV_SHM):
        return DEV_SHM
    path = os.path.join("/tmp", "shmkit")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return path   # Python never creates it; nothing can be opened there yet
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise SegmentError("refusing segment directory %s: it must be a directory of uid %d that group and others cannot"
                           " write" % (path, os.geteuid()))
    return path


def _link_target(path):
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _check_entry(name, path, st, trust_other_users):
    """The type and owner rules, on what lstat, stat or fstat says of the file."""
    if not stat.S_ISREG(st.st_mode):
        raise _error(name, "is not a segment: %s is %s" % (path, _file_type(st.st_mode)))
    uid = os.geteuid()
    if not trust_other_users and st.st_uid != uid:
        raise _error(name, "belongs to another user: %s is owned by uid %d, this process runs as uid %d; such a file "
                     "may be read or forged by its owner (pass trust_other_users=True for deliberately shared segments)"
                     % (path, st.st_uid, uid))


def _symlink_error(name, path):
    return _error(name, "is a symbolic link (%s -> %s); links are not followed unless follow_links=True"
                  % (path, _link_target(path)))


def _os_error(name, path, e, readonly):
    """An OSError of lstat, stat or open as a SegmentError."""
    if e.errno == errno.ENOENT:
        return _error(name, "does not exist: %s" % path)
    if e.errno in (errno.EACCES, errno.EPERM):
        return _error(name, "cannot be opened %s: permission denied on %s"
                      % ("for reading" if readonly else "for reading and writing", path))
    return _error(name, "cannot be opened: %s: %s" % (path, e.strerror or e))


def _open_checked(name, path, readonly, trust_other_users, follow_links):
    """Checks what lstat says is at path, opens it, and checks the open descriptor again (the
    check that counts: nothing can be swapped in after it); returns (fd, fstat result). Never
    creates anything (no O_CREAT) and never blocks on a FIFO (refused by lstat, and O_NONBLOCK)."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            if not follow_links:
                raise _symlink_error(name, path)
            try:
                st = os.stat(path)
            except FileNotFoundError:
                raise _error(name, "is a dangling symbolic link: %s -> %s" % (path, _link_target(path))) from None
    except OSError as e:
        raise _os_error(name, path, e, readonly) from None
    _check_entry(name, path, st, trust_other_users)
    flags = ((os.O_RDONLY if readonly else os.O_RDWR) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
             | (0 if follow_links else getattr(os, "O_NOFOLLOW", 0)))
    try:
        fd = os.open(path, flags)
    except OSError as e:
        # replaced since the lstat: say by what
        if e.errno == errno.ELOOP and not follow_links:
            raise _symlink_error(name, path) from None
        if e.errno in (errno.EISDIR, errno.ENXIO, errno.ENODEV, errno.EOPNOTSUPP):
            try:
                st = os.lstat(path)
            except OSError:
                pass
            else:
                if not stat.S_ISREG(st.st_mode):
                    raise _error(name, "is not a segment: %s is %s" % (path, _file_type(st.st_mode))) from None
        raise _os_error(name, path, e, readonly) from None
    try:
        st = os.fstat(fd)
        _check_entry(name, path, st, trust_other_users)
        return fd, st
    except BaseException:
        os.close(fd)
        raise


def _read_head(name, path, fd, size):
    """The fixed header and the longest possible layout text, read without mapping anything."""
    want = min(size, LAYOUT_OFFSET + MAX_LAYOUT_LENGTH)
    chunks, got = [], 0
    try:
        while got < want:
            chunk = os.pread(fd, want - got, got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except OSError as e:
        raise _error(name, "cannot be read: %s: %s" % (path, e.strerror or e)) from None
    return b"".join(chunks)


# ---------------------------------------------------------------------------------------------
# Segments

class Segment:
    """A shmkit segment attached by name: the file <directory>/<name>, directory /dev/shm by
    default. Opened with O_NOFOLLOW (unless follow_links) and O_NONBLOCK, checked on the open
    descriptor (a regular file, owned by this user unless trust_other_users), its header
    checked completely from a plain read, and only then mapped: read-write, or read-only with
    readonly=True. Never creates, unlinks, resizes or writes the file; every problem is a
    SegmentError naming the segment.

    Attributes: name, path, readonly, header (the dict of read_header), kind, layout (parsed),
    count, private_to_user (the file was this user's, without group or other permissions, when
    opened), and while attached buf (the whole file) and data (the data bytes), memoryviews.

    Views and close(): close() (or leaving a with block) releases buf and data, and unmaps the
    file unless ctypes objects or numpy arrays made from this segment (or memoryviews sliced
    from buf or data, or the lock get_lock() returned) still exist. Those keep the mapping,
    and stay valid, until the last of them is deleted; close() never fails because of them.
    Accessing buf or data of a closed segment raises SegmentError, and so do ctypes(),
    numpy() and get_lock()."""

    def __init__(self, name, directory=None, readonly=False, trust_other_users=False, follow_links=False):
        self.name = validate_name(name)         # before anything touches the file system
        self.readonly = bool(readonly)
        self._mmap = None
        self._views = []
        self._lock = None
        if directory is None:
            directory = _default_directory()
        try:
            directory = os.path.abspath(os.fsdecode(os.fspath(directory)))
        except (TypeError, ValueError, OSError) as e:
            raise _error(name, "cannot be looked up in directory %r: %s" % (directory, e)) from None
        self.directory = directory
        self.path = path = os.path.join(directory, name)
        if "\0" in path:
            raise _error(name, "cannot be looked up: the directory %r contains a NUL character" % directory)
        fd, st = _open_checked(name, path, self.readonly, trust_other_users, follow_links)
        # only this user's processes can open it: then hidepid cannot hide a lock holder (docs/locks.md §2)
        self.private_to_user = st.st_uid == os.geteuid() and not st.st_mode & 0o077
        self._file_id = (st.st_dev, st.st_ino)
        try:
            head = _read_head(name, path, fd, st.st_size)
            self.header, self.layout = _check_header(head, name, path, st.st_size)
            total = self.header["total_size"]
            try:
                mm = mmap.mmap(fd, total, access=mmap.ACCESS_READ if self.readonly else mmap.ACCESS_WRITE)
            except (OSError, ValueError, OverflowError) as e:
                raise _error(name, "cannot be mapped: %s (%d bytes): %s" % (path, total, e)) from None
        finally:
            os.close(fd)                        # the mapping does not need it
        # the bytes that were checked must be the bytes that are mapped (the lock area may move)
        end = LAYOUT_OFFSET + self.header["layout_length"]
        if mm[:LOCK_AREA_OFFSET] != head[:LOCK_AREA_OFFSET] or mm[LAYOUT_OFFSET:end] != head[LAYOUT_OFFSET:end]:
            mm.close()
            raise _error(name, "changed while it was being attached: %s" % path)
        self._mmap = mm
        self.kind = self.header["kind"]
        self.count = self.header["element_count"]
        offset, size = self.header["data_offset"], self.header["data_size"]
        buf = memoryview(mm)
        self._views = [buf[offset:offset + size], buf]   # released by close(), in this order

    @property
    def closed(self):
        return self._mmap is None

    @property
    def buf(self):
        """The whole file (header included) as a memoryview; read-only if attached read-only."""
        self._check_open()
        return self._views[1]

    @property
    def data(self):
        """The data bytes as a memoryview; read-only if attached read-only."""
        self._check_open()
        return self._views[0]

    def _check_open(self):
        if self._mmap is None:
            raise _error(self.name, "is closed")

    def ctypes(self):
        """The data as ctypes objects sharing the memory: a scalar, an array, a Structure, an
        array of Structures, or for raw bytes a c_uint8 array. A c_char array has .value/.raw.
        ctypes maps only writable memory: on a read-only segment this raises SegmentError."""
        self._check_open()
        if self.readonly:
            raise _error(self.name, "is attached read-only: ctypes objects need writable memory (from_buffer); read "
                         "through data or numpy(), or attach without readonly=True")
        element = ctype_of(self.layout)
        t = element if self.kind in ("value", "struct") else element * self.count
        # from_buffer keeps its own export of the mapping: the memory stays mapped while the object lives
        # through the metaclass: a field named from_buffer (a legal record component) shadows the class method
        return type(t).from_buffer(t, self._mmap, self.header["data_offset"])

    def numpy(self):
        """The data as a numpy array sharing the memory (a 0-d array for a value or struct);
        not writeable if the segment is attached read-only."""
        self._check_open()
        import numpy as np
        dtype = dtype_of(self.layout)
        if self.kind == "array" and isinstance(self.layout, Scalar) and self.layout.code == "char":
            dtype = np.dtype("S1")
        offset, size = self.header["data_offset"], self.header["data_size"]
        # a memoryview of its own, which close() never releases: it keeps the memory mapped for the array
        arr = np.frombuffer(memoryview(self._mmap)[offset:offset + size], dtype=dtype, count=self.count)
        return arr.reshape(()) if self.kind in ("value", "struct") else arr

    def get_lock(self):
        """The segment's built-in reentrant lock, a SegmentLock: what Java takes with
        SharedReentrantLock.of(object), as multiprocessing's Value(...).get_lock() (the same
        object on every call). Raises SegmentError, naming the segment and why, on a read-only
        attachment, anywhere but on x86-64, without libatomic.so.1, without a readable
        /proc/self/stat, or for a segment of another boot, pid or time namespace (docs/locks.md §2)."""
        self._check_open()
        if self._lock is None:
            self._lock = _segment_lock(self)
        return self._lock

    def close(self):
        """Detaches: releases buf and data, and unmaps the file once no ctypes object, numpy
        array, memoryview or lock made from this segment is left (at once if there is none). Never
        raises; calling it again does nothing. The segment itself stays for other processes."""
        mm, self._mmap = self._mmap, None
        self._lock = None
        views, self._views = self._views, []
        for view in views:
            try:
                view.release()
            except BufferError:
                pass        # something holds a buffer of this very view; it goes when that does
        if mm is not None:
            try:
                mm.close()
            except BufferError:
                pass        # views made from the segment still use it: unmapped when the last is collected

    def __enter__(self):
        self._check_open()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    def __repr__(self):
        return "Segment(%r, %s %s x %d%s%s)" % (self.name, self.kind, self.header["layout"], self.count,
                                               ", read-only" if self.readonly else "", ", closed" if self.closed else "")


# ---------------------------------------------------------------------------------------------
# Processes (docs/locks.md §2): owner keys, slot words, and whether a process is certainly dead

_TAKING = 1 << 63                 # bit 63 of an owner word: its process is taking the word over
_COUNT_MASK = 0xFFFF              # the hold count of a slot word
_MAX_PID = (1 << 31) - 1
_DEAD = -1                        # what the /proc readers below answer for a certainly dead process
_UNKNOWN = -2                     # ... and for one whose state cannot be read: treated as alive
_MASK64 = (1 << 64) - 1
_MASK32 = (1 << 32) - 1


class _ProcView:
    """What this process's /proc can say, found once per process (as Java's ProcessLiveness):
    has_proc; problem, None when a missing /proc entry proves a death, else why it does not
    (no /proc, a /proc of another pid namespace, hidepid=2/invisible/ptraceable, an unreadable
    mountinfo); foreign, when /proc/self/stat names another pid than getpid()."""

    def __init__(self):
        self.has_proc = os.access("/proc/self/stat", os.R_OK)
        self.problem = self._diagnose() if self.has_proc else "this system has no /proc"
        self.foreign = self.problem is not None and self.problem.startswith("/proc belongs to another pid namespace")

    @staticmethod
    def _diagnose():
        try:
            with open("/proc/self/stat", "rb") as f:
                line = f.read()
            proc_pid = int(line[:line.index(b" ")])
        except (OSError, ValueError) as e:
            return "/proc/self/stat cannot be read: %s" % e
        if proc_pid != os.getpid():
            return ("/proc belongs to another pid namespace: /proc/self/stat names pid %d, this process is pid %d "
                    "(mount a /proc for this namespace)" % (proc_pid, os.getpid()))
        try:
            with open("/proc/self/mountinfo") as f:
                for line in f:
                    hidden = _hidden_by(line.rstrip("\n"))
                    if hidden:
                        return ("/proc is mounted with %s: other users' processes are invisible, so a missing process "
                                "may be alive" % hidden)
        except OSError as e:
            return "/proc/self/mountinfo cannot be read: %s" % e
        return None


def _hidden_by(mountinfo_line):
    """The hidepid option of a mountinfo line of the /proc mount, if it removes other users' entries
    (2/invisible, 4/ptraceable); 0/off and 1/noaccess hide only contents, which read as "cannot tell"."""
    fields = mountinfo_line.split(" ")
    if "-" not in fields:
        return None
    sep = fields.index("-")
    if len(fields) < 5 or sep + 3 >= len(fields) or fields[4] != "/proc" or fields[sep + 1] != "proc":
        return None
    for option in fields[sep + 3].split(","):
        if option.startswith("hidepid=") and option not in ("hidepid=0", "hidepid=off", "hidepid=1", "hidepid=noaccess"):
            return option
    return None


_PROC_VIEWS = {}      # pid -> _ProcView: a forked child looks again
_IDENTITIES = {}      # pid -> _Identity or the reason there is none
_REPORTED = set()     # pids whose liveness could not be read, said once each


def _proc_view():
    pid = os.getpid()
    view = _PROC_VIEWS.get(pid)
    if view is None:
        view = _PROC_VIEWS[pid] = _ProcView()
    return view


def _stat_line(pid):
    """The bytes of /proc/<pid>/stat; _DEAD if there is no such entry (ENOENT, or ESRCH while the
    process is being reaped); _UNKNOWN for any other failure (EACCES, EMFILE, ENFILE, EIO)."""
    try:
        with open("/proc/%s/stat" % pid, "rb") as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError):
        return _DEAD
    except OSError:
        return _UNKNOWN


def _stat_fields(line):
    """Fields 3 onward of a stat line: they resume after the last ')', since the command name
    (field 2) may contain spaces and parentheses. None if the line does not parse."""
    close = line.rfind(b")")
    if close < 0 or close + 2 >= len(line):
        return None
    fields = line[close + 2:].split(b" ")
    return fields if len(fields) >= 20 and fields[0] else None


def _read_start_ticks(pid):
    """Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); _DEAD for a process
    that does not exist, is dead (X) or a zombie (Z) without other running threads; else _UNKNOWN."""
    line = _stat_line(pid)
    if not isinstance(line, bytes):
        return line
    fields = _stat_fields(line)
    if fields is None:
        return _UNKNOWN
    state = fields[0][:1]
    if state in (b"X", b"x"):
        return _DEAD
    try:
        ticks = int(fields[22 - 3])
    except ValueError:
        return _UNKNOWN
    if state == b"Z":
        # a zombie can never release anything, unless its main thread called pthread_exit and others run
        return ticks if _threads(pid) > 1 else _DEAD
    return ticks


def _threads(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line[8:].strip())
    except (OSError, ValueError):
        pass
    return 0


def _start_ticks(pid, own_user):
    """As _read_start_ticks, but _UNKNOWN wherever this /proc cannot prove a death: no /proc, a /proc
    of another pid namespace, or one that hides other users' processes (a missing entry proves the
    death only when own_user: the segment is private to this user, and hidepid never hides a user's
    own processes)."""
    view = _proc_view()
    me = os.getpid()
    if not view.has_proc or (view.foreign and pid != me):
        return _UNKNOWN
    ticks = _read_start_ticks(pid)
    if ticks == _DEAD and pid != me and view.problem is not None and not own_user:
        return _UNKNOWN
    return ticks


class _Identity:
    """This process as lock words name it: pid, start ticks, the 32-bit start tag, the owner key
    pid << 32 | tag32 and the slot identity pid << 32 | (tag32 & 0xFFFF) << 16."""

    def __init__(self, pid, ticks):
        self.pid, self.ticks = pid, ticks
        self.tag = ticks & _MASK32
        self.key = pid << 32 | self.tag
        self.slot = pid << 32 | (self.tag & 0xFFFF) << 16


def _identity():
    """This process's _Identity, from field 22 of /proc/self/stat; raises SegmentError if it has none."""
    pid = os.getpid()
    found = _IDENTITIES.get(pid)
    if found is None:
        found = "this process's start time cannot be read from /proc/self/stat"
        if pid > _MAX_PID:
            found = "pid %d does not fit the 31 bits lock words give it" % pid
        else:
            line = _stat_line("self")
            fields = _stat_fields(line) if isinstance(line, bytes) else None
            if fields is not None:
                try:
                    found = _Identity(pid, int(fields[22 - 3]))
                except ValueError:
                    pass
        _IDENTITIES[pid] = found
    if isinstance(found, str):
        raise SegmentError(found)
    return found


def _alive(pid, tag, tag_mask, own_user):
    """False only when the process (pid, tag) is certainly dead; "cannot tell" is alive. Our own pid
    with another tag is a dead predecessor; a process is never dead to itself."""
    me = _identity()
    if pid == me.pid:
        return (me.ticks & tag_mask) == tag
    ticks = _start_ticks(pid, own_user)
    if ticks == _DEAD:
        return False
    if ticks == _UNKNOWN:
        if len(_REPORTED) < 1024 and pid not in _REPORTED:
            _REPORTED.add(pid)
            why = _proc_view().problem or "/proc/%d/stat cannot be read" % pid
            import logging
            logging.getLogger("shmkit").warning("cannot tell whether pid %d is alive (%s); what it holds is waited for, "
                                                "never taken over", pid, why)
        return True
    return (ticks & tag_mask) == tag


def _key_alive(key, own_user):
    """Whether the process an owner key (or a record's writer key) names lives; TAKING is ignored."""
    key &= ~_TAKING & _MASK64
    return _alive(key >> 32, key & _MASK32, _MASK32, own_user)


def _slot_alive(word, own_user):
    """Whether the process a slot word names lives (16-bit start tag)."""
    return _alive(word >> 32, (word >> 16) & 0xFFFF, 0xFFFF, own_user)


def _namespace(kind):
    """The inode in pid:[4026531836], the link /proc/self/ns/KIND points to; 0 if unknown."""
    try:
        link = os.readlink("/proc/self/ns/" + kind)
        return int(link[link.index("[") + 1:-1])
    except (OSError, ValueError):
        return 0


def _boot_id():
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return uuid.UUID(f.read().strip())
    except (OSError, ValueError):
        return None


def _host_view_refusal(segment):
    """Why this process must not take part in the lock words of segment (docs/locks.md §2,
    "Namespaces and boots"), or None: its /proc is of another pid namespace, or the segment was
    created in another pid or time namespace or another boot (unknown values match)."""
    view = _proc_view()
    if view.foreign:
        return view.problem + "; holders' pids cannot be checked from here"
    h = segment.header
    pid_ns, time_ns, boot = _namespace("pid"), _namespace("time"), _boot_id()
    creator_boot = h["creator_boot_id"]

    def differs(a, b):
        return bool(a) and bool(b) and a != b

    if differs(creator_boot, boot):
        return ("segment '%s' was created by pid %d in another boot (%s; this is %s): its lock words may name processes "
                "of that boot; recreate the segment to use its locks" % (segment.name, h["creator_pid"], creator_boot, boot))
    if differs(h["creator_pid_namespace"], pid_ns) or differs(h["creator_time_namespace"], time_ns):
        return ("segment '%s' was created by pid %d in another pid or time namespace (segment: pid namespace %d, time "
                "namespace %d; this process: %d, %d): the pids and start times in its lock words mean other processes "
                "here" % (segment.name, h["creator_pid"], h["creator_pid_namespace"], h["creator_time_namespace"],
                          pid_ns, time_ns))
    return None


# ---------------------------------------------------------------------------------------------
# Compare-and-set: the standard library has none; libatomic's, on the mapped words

_SEQ_CST = 5          # __ATOMIC_SEQ_CST
_ATOMICS = []         # [the _Atomics] or [the reason libatomic cannot be used], once loaded


class _Atomics:
    """libatomic's lock-free 4- and 8-byte operations (lock cmpxchg, lock xadd, lock or/and on
    x86-64): the same hardware atomics as the JVM's VarHandles, on addresses in the mapping."""

    def __init__(self):
        lib = ctypes.CDLL("libatomic.so.1")
        # getattr: a name starting with two underscores would be mangled inside a class body
        self._cas8 = getattr(lib, "__atomic_compare_exchange_8")
        self._cas8.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint64), ctypes.c_uint64, ctypes.c_int, ctypes.c_int]
        self._cas8.restype = ctypes.c_bool
        self._cas4 = getattr(lib, "__atomic_compare_exchange_4")
        self._cas4.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32), ctypes.c_uint32, ctypes.c_int, ctypes.c_int]
        self._cas4.restype = ctypes.c_bool
        self._add8 = getattr(lib, "__atomic_fetch_add_8")
        self._add8.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int]
        self._add8.restype = ctypes.c_uint64
        self._or4 = getattr(lib, "__atomic_fetch_or_4")
        self._and4 = getattr(lib, "__atomic_fetch_and_4")
        for f in (self._or4, self._and4):
            f.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int]
            f.restype = ctypes.c_uint32
        # fetch_or once more, as a separate function object without argtypes, for the waker step that every
        # message pays with kernel waits on: called with a c_void_p and two small ints, which ctypes then
        # passes as they are (a pointer, two C ints), it is about half the cost of a call that converts
        self.or4_unchecked = lib["__atomic_fetch_or_4"]
        self.or4_unchecked.restype = ctypes.c_uint32

    def cas8(self, address, expected, desired):
        return bool(self._cas8(address, ctypes.byref(ctypes.c_uint64(expected & _MASK64)), desired & _MASK64,
                               _SEQ_CST, _SEQ_CST))

    def cas4(self, address, expected, desired):
        return bool(self._cas4(address, ctypes.byref(ctypes.c_uint32(expected & _MASK32)), desired & _MASK32,
                               _SEQ_CST, _SEQ_CST))

    def add8(self, address, delta):
        return self._add8(address, delta & _MASK64, _SEQ_CST)

    def or4(self, address, bits):
        """ORs bits into the word; its old value. or4(address, 0) is a load that is also a full barrier."""
        return self._or4(address, bits & _MASK32, _SEQ_CST)

    def and4(self, address, bits):
        self._and4(address, bits & _MASK32, _SEQ_CST)


def _atomics():
    """The _Atomics, or a str saying why libatomic cannot be used."""
    if not _ATOMICS:
        try:
            _ATOMICS.append(_Atomics())
        except (OSError, AttributeError) as e:
            _ATOMICS.append("libatomic.so.1 cannot be loaded (%s); the Python standard library has no compare-and-set, "
                            "and taking a role or a lock needs one (install libatomic1)" % e)
    return _ATOMICS[0]


def _x86_64():
    """Whether aligned 8-byte loads and stores are single instructions with acquire and release
    semantics (x86-64's TSO), as the queue protocols need of plain struct accesses."""
    import platform
    return platform.machine().lower() in ("x86_64", "amd64") and ctypes.sizeof(ctypes.c_void_p) == 8


# ---------------------------------------------------------------------------------------------
# Kernel wake-ups (docs/locks.md §9, docs/messaging.md §4a): Linux futex on a shared word, opt-in

_SYS_FUTEX = {"x86_64": 202, "amd64": 202, "aarch64": 98, "arm64": 98}         # futex(2)'s number
_SYS_MEMBARRIER = {"x86_64": 324, "amd64": 324, "aarch64": 283, "arm64": 283}  # membarrier(2)'s
_FUTEX_WAIT, _FUTEX_WAKE = 0, 1   # without FUTEX_PRIVATE_FLAG (128): the word is shared between processes
_MEMBARRIER_CMD_QUERY, _MEMBARRIER_CMD_GLOBAL_EXPEDITED = 0, 1 << 1
_INT_MAX = 0x7FFFFFFF
_MIN_SLEEP = 0.00005              # sleeps shorter than 50 µs are not worth a system call (Java's WakeWord too)
_UNCOVERED_SLEEP = 0.001          # the longest sleep without the heavy barrier: a wake-up may be missed then
_ANNOUNCED = 1                    # bit 0 of a wake word; bits 1-31 are the epoch
_KERNEL_WAIT_AFTER = 8            # a waiter yields this many times (its first _idle steps) before it sleeps
_FUTEX = []           # [the _Futex] or [the reason there is none], once loaded
_FUTEX_REPORTED = []  # [True] once the reason kernel waits are off has been said


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Futex:
    """futex(2) and membarrier(2) through libc's syscall(), as Java's io.shmkit.sync.Futex: FUTEX_WAIT
    with a relative timeout and FUTEX_WAKE on the address of a 32-bit word in a shared mapping, and
    the sleeper's heavy barrier. Without FUTEX_PRIVATE_FLAG the kernel keys the word by its file and
    offset, so a Python process and a JVM that map the segment at different addresses meet on the same
    word. ctypes releases the GIL for each call: other threads of this process run while one sleeps."""

    def __init__(self):
        import platform
        machine = platform.machine().lower()
        if not sys.platform.startswith("linux") or machine not in _SYS_FUTEX or ctypes.sizeof(ctypes.c_void_p) != 8:
            raise OSError("futex is used on 64-bit Linux on x86-64 and AArch64 only, and this is %s on %s"
                          % (sys.platform, machine))
        self.number, self._membarrier = _SYS_FUTEX[machine], _SYS_MEMBARRIER[machine]
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
        except OSError:
            libc = ctypes.CDLL(None, use_errno=True)       # the interpreter's own symbols, libc's among them
        # syscall(long number, ...) is variadic; every argument is passed as a long, as the Java side does,
        # so that no register the kernel reads holds stale upper bits
        self._syscall = libc.syscall
        self._syscall.argtypes = [ctypes.c_long] * 7
        self._syscall.restype = ctypes.c_long
        commands = self._syscall(self._membarrier, _MEMBARRIER_CMD_QUERY, 0, 0, 0, 0, 0)
        # Linux 4.16 on, unless a seccomp filter forbids it; issuing it needs no registration
        self.heavy = commands >= 0 and bool(commands & _MEMBARRIER_CMD_GLOBAL_EXPEDITED)

    def heavy_barrier(self):
        """membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED): every running thread of every process registered
        for it (each JVM with kernel waits on) executes a full memory barrier before this returns. False
        where the kernel cannot (then only this thread's own barrier was had)."""
        return self.heavy and self._syscall(self._membarrier, _MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0, 0, 0, 0) == 0

    def wait(self, address, expected, timeout):
        """Sleeps while the word at address holds expected, at most timeout seconds (the kernel compares
        and sleeps atomically against a wake). "woken", "changed" (no sleep), "timed out" or
        "interrupted" (a signal: its Python handler runs once this returns); callers re-check their
        condition whatever it says."""
        timeout = max(0.0, timeout)
        ts = _Timespec(int(timeout), int((timeout - int(timeout)) * 1e9))
        if self._syscall(self.number, address, _FUTEX_WAIT, expected & _MASK32, ctypes.addressof(ts), 0, 0) == 0:
            return "woken"
        e = ctypes.get_errno()
        if e == errno.EAGAIN:
            return "changed"
        if e == errno.ETIMEDOUT:
            return "timed out"
        if e == errno.EINTR:
            return "interrupted"
        raise OSError(e, "futex wait on address 0x%x failed: %s" % (address, os.strerror(e)))

    def wake(self, address, count):
        """Wakes up to count sleepers on the word at address; how many it woke."""
        woken = self._syscall(self.number, address, _FUTEX_WAKE, count, 0, 0, 0)
        if woken < 0:
            e = ctypes.get_errno()
            raise OSError(e, "futex wake on address 0x%x failed: %s" % (address, os.strerror(e)))
        return woken


def _futex():
    """The _Futex, or a str saying why kernel waits cannot be made here."""
    if not _FUTEX:
        try:
            _FUTEX.append(_Futex())
        except (OSError, AttributeError) as e:
            _FUTEX.append("futex cannot be used: %s" % e)
    return _FUTEX[0]


class _WakeWord:
    """A wake word (docs/messaging.md §4a, docs/locks.md §9): bit 0 (ANNOUNCED) is set while a process may
    sleep on it in the kernel since the last wake; bits 1-31 are an epoch that every wake advances. The
    protocol is Java's io.shmkit.sync.WakeWord:

        sleeper                                  waker, after the store that may end a wait
          old = fetch_or(word, 1)                  (barrier)
          heavy barrier                            while (v = word) has bit 0 set:
          re-check the condition; if it holds: go      if CAS(word, v, (v + 2) & ~1):
          FUTEX_WAIT(word, old | 1, bounded)               FUTEX_WAKE(word, all); stop
          re-check; loop

    Each side stores, passes a barrier, then loads what the other stored, so at least one sees the
    other and no wake-up is lost; a wake advances the epoch, so a sleeper that announced before a wake
    never sleeps after it, even if another sleeper has announced again since (the kernel compares the
    whole word). Python has no fences of its own: libatomic's atomics, through ctypes, are the same
    lock-prefixed instructions as the JVM's on x86-64, each a full barrier.

    - The sleeper announces with __atomic_fetch_or_4(word, 1): a locked read-modify-write, the store
      and a full barrier of this thread, as Java's getAndBitwiseOr. Then Java's heavy barrier,
      membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED), which makes every running thread of every process
      registered for it (each JVM with kernel waits on) pass a full barrier: a JVM waker there has no
      fence of its own, and this is what orders its store (a commit) before its load of the word.
      Issuing it needs no registration, and Python does not register, since its own wakers fence. If
      it cannot be issued (before Linux 4.16, a seccomp filter), a wake-up may be missed: the sleep is
      then at most 1 ms, as Java's.
    - The waker's first look is __atomic_fetch_or_4(word, 0): a locked read-modify-write that changes
      nothing and returns the word, so it is the full fence and the load in one call, after the plain
      store that may end the wait (R8, an abort, P3: on x86-64 an aligned store is a release). Java's
      waker is a full fence and a load, or, in a JVM registered for membarrier, the load alone: this is
      at least as strong. The reset is __atomic_compare_exchange_4, Java's compareAndSet.

    CPython makes these calls in program order, and the C compiler cannot move a memory access across
    a call into a shared library. A sleeper killed in its sleep leaves at most bit 0 set, cleared by the
    next waker with one wasted FUTEX_WAKE; whatever a file holds there is just an epoch and a bit."""

    def __init__(self, buf, at, address, futex, atomics):
        self._buf, self._at, self.address = buf, at, address
        self._futex, self._atomics = futex, atomics
        self._check, self._pointer = atomics.or4_unchecked, ctypes.c_void_p(address)   # for wake(): one cheap call
        # counts, for tests and diagnostics: FUTEX_WAKE calls and the sleepers they woke; sleeps by outcome
        self.wakes = self.woken = 0
        self.sleeps = {"woken": 0, "changed": 0, "timed out": 0, "interrupted": 0}

    def value(self):
        """The word now: bit 0 set if a sleep was announced since the last wake, the epoch above."""
        return _U32.unpack_from(self._buf, self._at)[0]

    def wake(self):
        """The waker's step, after the store that may end a wait."""
        v = self._check(self._pointer, 0, _SEQ_CST)
        while v & _ANNOUNCED:
            if self._atomics.cas4(self.address, v, (v + 2) & ~_ANNOUNCED):
                self.wakes += 1
                self.woken += self._futex.wake(self.address, _INT_MAX)
                return
            v = self.value()                            # after the failed CAS, itself a full barrier

    def sleep(self, ready, timeout):
        """The sleeper's step: announces, re-checks ready(), and sleeps at most timeout seconds (at least
        50 µs; at most 1 ms if the heavy barrier could not be issued) unless it holds. False if ready()
        held (no sleep). Callers re-check their condition whatever happened."""
        expected = self._atomics.or4(self.address, _ANNOUNCED) | _ANNOUNCED
        timeout = max(_MIN_SLEEP, timeout)
        if not self._futex.heavy_barrier():
            timeout = min(timeout, _UNCOVERED_SLEEP)
        if ready():
            return False
        self.sleeps[self._futex.wait(self.address, expected, timeout)] += 1
        return True

    def idle(self, attempt, ready, timeout):
        """One idle step of a wait: _idle() for the first few attempts; then a sleep(ready, timeout), or, if
        ready() already holds, a yield only: the caller's next attempt then succeeds (a queue's conditions
        are exactly what its next read or reservation needs), so nothing is announced and no time lost."""
        if attempt < _KERNEL_WAIT_AFTER:
            _idle(attempt)
        elif ready():
            time.sleep(0)
        else:
            self.sleep(ready, timeout)


# ---------------------------------------------------------------------------------------------
# The built-in lock (docs/locks.md §3, §4, §8): Java's SharedReentrantLock.of(object), at lock area + 0x00

def _holder_word():
    """What the calling thread stores in the holder word of a lock it holds: pid << 32 | the low 32 bits
    of its kernel thread id, threading.get_native_id() (docs/locks.md §3). A kernel thread id is unique
    among the live threads of the pid namespace and below 2**22, so it never equals another live thread's
    of this process; threading.get_ident() is a pthread_t address, reused as soon as its thread exits and
    not unique in its low 32 bits. The pid keeps every thread of another process from matching."""
    return os.getpid() << 32 | (threading.get_native_id() & _MASK32)


class SegmentLock:
    """The built-in reentrant lock of a segment (Segment.get_lock()): the SharedReentrantLock that Java
    takes with SharedReentrantLock.of(object), the 32-byte owner block at the start of the header's lock
    area (file offset 0x100). Same words, same protocol (docs/locks.md §3, §4): any thread of any JVM or
    Python process that holds it excludes all the others.

    acquire(blocking=True, timeout=-1), release(), with, locked() as threading.RLock, reentrant per
    Python thread; release() by a thread that does not hold it raises RuntimeError naming the holder. A
    holder whose process is certainly dead (/proc, docs/locks.md §2; "cannot tell" is alive) is taken over
    by a waiter after owner_check_interval seconds (default 0.01, as Java's): INCONSISTENT is set, the
    recovery counted and logged (logger "shmkit"), and acquire() returns True; is_consistent() is then
    False until a holder repairs the data and calls mark_consistent(). acquire(blocking=False) never
    checks a holder's liveness, as Java's tryLock().

    The lock object keeps its own reference to the mapping, as ctypes views do: after Segment.close()
    acquire() raises SegmentError, and release() still works, so that a hold is never stranded.
    A hold belongs to its thread and process: a forked child does not inherit it.

    What pure Python cannot do: an exception raised asynchronously in the main thread (KeyboardInterrupt
    from a signal handler, which CPython runs between bytecodes) right after the owner word's CAS, or
    between release()'s stores, leaves the word held by this live process with no thread recorded:
    others then wait until this process exits, and take it over then. Masking signals only moves the
    gap (CPython's own with statement has it too); waits, where Ctrl-C lands, hold nothing."""

    def __init__(self, segment, atomics):
        self.segment, self.name = segment, segment.name
        self.owner_check_interval = 0.01
        self._atomics = atomics
        self._own_user = segment.private_to_user
        self._description = "built-in lock of segment '%s'" % segment.name
        # exports of the mapping of our own, which Segment.close() never releases: the words stay mapped
        # while this object lives, so no thread inside acquire() or release() meets an unmapped page
        self._words = memoryview(segment._mmap)[LOCK_AREA_OFFSET:LOCK_AREA_OFFSET + _OWNER_BLOCK_LENGTH]
        self._anchor = ctypes.c_char.from_buffer(segment._mmap, LOCK_AREA_OFFSET)
        self._address = ctypes.addressof(self._anchor)

    def _load(self, fmt, at):
        return fmt.unpack_from(self._words, at)[0]

    def _store(self, code, at, value):
        _put(self._words, at, code, value)

    def acquire(self, blocking=True, timeout=-1):
        """Acquires the lock (again, if this thread holds it: one more hold); True once it is held.
        blocking=False tries once; timeout (seconds; -1 or None, as multiprocessing's, for no
        limit) bounds the wait; either way False if not held."""
        if timeout is None:
            timeout = -1
        if not blocking and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        if timeout < 0 and timeout != -1:
            raise ValueError("timeout value must be positive")
        if self.segment.closed:
            raise SegmentError("%s cannot be acquired: segment '%s' is closed" % (self._description, self.name), self.name)
        key, tid = _identity().key, _holder_word()
        atomics, owner = self._atomics, self._address + _SEM_OWNER
        if atomics.cas8(owner, 0, key):                                 # lock: CAS owner 0 -> K
            self._enter(tid)
            return True
        start = time.monotonic()
        next_check = start + self.owner_check_interval
        attempt = 0
        while True:
            current = self._load(_U64, _SEM_OWNER)
            if current == 0:
                if atomics.cas8(owner, 0, key):
                    self._enter(tid)
                    return True
                continue
            now = time.monotonic()
            if current == key:
                if self._reenter(tid):                                  # else another thread of ours holds it
                    return True
            elif blocking and now >= next_check:
                next_check = now + self.owner_check_interval
                # K | TAKING (another thread of ours taking over) and live holders are waited for
                if not _key_alive(current, self._own_user):
                    if atomics.cas8(owner, current, key | _TAKING):     # only one waiter wins: the dead cannot write
                        self._take_over(current, key, tid)
                        return True
                    continue
            if not blocking or (timeout >= 0 and now - start >= timeout):
                return False
            _idle(attempt)
            attempt += 1

    def _enter(self, tid):
        self._store("Q", _SEM_THREAD, tid)
        self._store("i", _SEM_HOLDS, 1)

    def _reenter(self, tid):
        """One more hold if the holder word is this thread's (the owner word is this process's key)."""
        if self._load(_U64, _SEM_THREAD) != tid:
            return False
        holds = self._load(_I32, _SEM_HOLDS)
        if holds >= 0x7FFFFFFF:
            raise OverflowError("%s: hold count would exceed %d" % (self._description, 0x7FFFFFFF))
        self._store("i", _SEM_HOLDS, holds + 1)
        return True

    def _take_over(self, dead, key, tid):
        """After the CAS dead -> K | TAKING: records the take-over, then publishes K (docs/locks.md §3)."""
        dead_holds = max(1, self._load(_I32, _SEM_HOLDS))
        flags_at = self._address + _SEM_FLAGS
        while True:     # one atomic step: a taker dying between two changes would leave ACTIVE clear, INCONSISTENT unset
            flags = self._load(_I32, _SEM_FLAGS)
            updated = (flags & ~_FLAG_ACTIVE) | _FLAG_INCONSISTENT
            if updated == flags or self._atomics.cas4(flags_at, flags, updated):
                break
        recoveries = self._load(_I32, _SEM_RECOVERIES)
        self._store("i", _SEM_RECOVERIES, recoveries + 1 if recoveries < 0x7FFFFFFF else -0x80000000)
        dead_pid = (dead & ~_TAKING) >> 32
        self._store("i", _SEM_DEAD_PID, dead_pid)
        self._enter(tid)
        self._store("Q", _SEM_OWNER, key)                               # the release store (x86-64) of K
        import logging
        logging.getLogger("shmkit").warning("%s: pid %d died holding %d owner hold%s; taken back by pid %d; the protected "
                                            "data may be inconsistent", self._description, dead_pid, dead_holds,
                                            "" if dead_holds == 1 else "s", os.getpid())

    def release(self):
        """Releases one hold; the last one frees the lock. RuntimeError if this thread does not hold it."""
        self._check_held("release")
        holds = self._load(_I32, _SEM_HOLDS)
        if holds > 1:
            self._store("i", _SEM_HOLDS, holds - 1)
            return
        self._store("i", _SEM_HOLDS, 0)
        self._store("Q", _SEM_THREAD, 0)
        self._store("Q", _SEM_OWNER, 0)                                 # the release store (x86-64)

    def _is_owned(self):
        """Whether the calling thread holds the lock (the owner word first, then the holder word)."""
        return self._load(_U64, _SEM_OWNER) == _identity().key and self._load(_U64, _SEM_THREAD) == _holder_word()

    def _check_held(self, what):
        if not self._is_owned():
            raise RuntimeError("cannot %s un-acquired lock: %s: %s by thread %d of pid %d, but %s"
                               % (what, self._description, what, threading.get_native_id(), os.getpid(), self._holder()))

    def _holder(self):
        """E.g. "it is not locked", "it is held by pid 42", "it is held by thread 7 of this process"."""
        owner = self._load(_U64, _SEM_OWNER)
        if owner == 0:
            return "it is not locked"
        key = _identity().key
        if owner == key:
            return "it is held by thread %d of this process" % (self._load(_U64, _SEM_THREAD) & _MASK32)
        if owner == key | _TAKING:
            return "it is being taken over by another thread of this process"
        pid = (owner & ~_TAKING) >> 32
        holder = self._load(_U64, _SEM_THREAD)
        thread = "thread %d of " % (holder & _MASK32) if holder >> 32 == pid else ""
        return "it is held by %spid %d%s" % (thread, pid, " (taking the lock over)" if owner & _TAKING else "")

    def locked(self):
        """Whether any thread of any process holds the lock."""
        return self._load(_U64, _SEM_OWNER) != 0

    def is_consistent(self):
        """False from the take-over of a dead holder until a holder calls mark_consistent()."""
        return not self._load(_I32, _SEM_FLAGS) & _FLAG_INCONSISTENT

    def mark_consistent(self):
        """Declares the protected data repaired; only the holding thread may. RuntimeError otherwise."""
        self._check_held("mark consistent")
        self._store("i", _SEM_FLAGS, self._load(_I32, _SEM_FLAGS) & ~_FLAG_INCONSISTENT)

    def recoveries(self):
        """How many times a dead process's hold was taken back, by any process."""
        return self._load(_I32, _SEM_RECOVERIES)

    def last_dead_pid(self):
        """The pid of the latest process that died holding the lock, or 0."""
        return self._load(_I32, _SEM_DEAD_PID) & _MASK32

    def __enter__(self):
        return self.acquire()

    def __exit__(self, exc_type, exc, tb):
        self.release()
        return False

    def __repr__(self):
        state = self._holder()
        return "<SegmentLock %s: %s%s>" % (self._description, "free" if state.startswith("it is not") else state[6:],
                                           "" if self.is_consistent() else ", inconsistent")


def _segment_lock(segment):
    """A SegmentLock of segment, after checking that this process may take part in its words."""
    def refuse(why):
        return SegmentError("built-in lock of segment '%s': %s" % (segment.name, why), segment.name)

    if segment.readonly:
        raise refuse("the segment is attached read-only, and taking a lock writes its words (attach without "
                     "readonly=True)")
    if not _x86_64():
        import platform
        raise refuse("shmkit.py takes part in lock words only on x86-64, where aligned loads and stores are acquire "
                     "and release; on %s a store inside the lock could be seen after the release (docs/messaging.md §7)"
                     % platform.machine())
    atomics = _atomics()
    if isinstance(atomics, str):
        raise refuse(atomics)
    try:
        _identity()
    except SegmentError as e:
        raise refuse("this process cannot name itself in a lock word: %s" % e) from None
    refusal = _host_view_refusal(segment)
    if refusal:
        raise refuse("refusing to take part in the lock: " + refusal)
    return SegmentLock(segment, atomics)


# ---------------------------------------------------------------------------------------------
# Queues (docs/messaging.md): descriptor, roles, producing, consuming

QUEUE_MAGIC = b"SHMKQUE1"
ONE_PRODUCER, MANY_PRODUCERS = 1, 2
MANY_PRODUCER_PERMITS = 4096
RECORD_TYPE = 1                   # the type of every record queue message
PADDING = -1
_QUEUE_MIN_CAPACITY, _QUEUE_MAX_CAPACITY = 1024, 1 << 30
_QUEUE_MAX_LAYOUT = 4096
_QUEUE_LAYOUT_OFFSET = 0x040
_QUEUE_DESCRIPTOR = struct.Struct("=IIQIIII")   # 0x008 producers, zero, capacity, max message, record size, layout length, CRC
# the control area, from C
_TAIL, _CLAIMER, _HEAD, _CLEARED = 0x000, 0x008, 0x080, 0x088
_CONSUMER_ROLE, _PRODUCER_ROLE = 0x100, 0x280
_UNBLOCKED, _ATTACHES, _END_OF_STREAM_AT, _CLAIM_TAKEOVERS = 0x400, 0x408, 0x410, 0x418
_CONSUMER_WAKE, _PRODUCERS_WAKE = 0x480, 0x484   # the wake words (u32) of §4a
_RING = 0x500
# a record in the ring
_HEADER = 16
# the owner block every lock starts with (docs/locks.md §3), then a semaphore's words (§6)
_SEM_OWNER, _SEM_THREAD, _SEM_HOLDS, _SEM_FLAGS, _SEM_RECOVERIES, _SEM_DEAD_PID = 0x00, 0x08, 0x10, 0x14, 0x18, 0x1C
_OWNER_BLOCK_LENGTH = 0x20
_SEM_PERMITS, _SEM_WAKE, _SEM_SLOTS, _SEM_SLOT_COUNT = 0x20, 0x24, 0x40, 32
_FLAG_INCONSISTENT, _FLAG_ACTIVE = 1, 2
# Words are read and written with these on aligned offsets. On little-endian machines CPython's
# struct module uses its native functions for '=i', '=q' and '=Q' (a memcpy of the word, compiled to
# one mov): single aligned loads and stores, which x86-64 orders as acquire and release.
_I32 = struct.Struct("=i")
_U32 = struct.Struct("=I")
_I64 = struct.Struct("=q")
_U64 = struct.Struct("=Q")


def _put(view, at, code, value):
    """One aligned store of a native int word ('i', 'q' or 'Q') at byte offset at of a shared view.
    Never struct's pack_into for a word another process reads: it zero-fills the word's bytes before
    it writes them, and a reader in between sees 0 (a tail of 0, a length of 0). A memoryview cast to
    the word's type stores it with one memcpy of its size, one instruction on x86-64 and AArch64."""
    view[at:at + struct.calcsize(code)].cast(code)[0] = value
_ROLE_LOCK = threading.RLock()   # serialises this process's role changes, so its slot counts stay exact
_HELD = {}            # (pid, file, instance id, offset) -> permits this process holds of that role


def _align16(n):
    return (n + 15) & ~15


class QueueFull(Exception):
    """A send that found no room in time, or whose queue's consumer is dead (consumer_pid names it)."""

    def __init__(self, message, consumer_pid=0):
        Exception.__init__(self, message)
        self.consumer_pid = consumer_pid


class EndOfStream(EOFError):
    """Nothing is waiting and nothing will come: every producer closed, or every producer still
    holding a role is certainly dead, and all was read."""


class _Role:
    """A role of a queue: a SharedSemaphore (docs/locks.md §6) in its control area, whose permits
    belong to processes. Taking one: take the semaphore's owner word with a CAS (briefly; a dead
    holder of it is taken over silently after an owner-check interval), check permits - the sum
    of the slots, add 1 to this process's slot word with a CAS, release the owner word. If no
    permit is free, the slots of certainly dead processes are freed first (INCONSISTENT set and
    the recovery counted before each slot is freed), and the flag is cleared once the permit is
    taken, as Java's Roles.take does. Releasing: a CAS of this process's slot word down by 1. With
    kernel waits on, both releases wake a JVM asleep on the semaphore's wake word (docs/locks.md §9);
    this process itself polls for the owner word, which is held for a few stores only."""

    def __init__(self, queue, offset, permits, what, holder):
        self.queue, self.offset, self.permits, self.what, self.holder = queue, offset, permits, what, holder
        self.wake = None             # the semaphore's _WakeWord, with kernel waits on

    def _load(self, fmt, at):
        return fmt.unpack_from(self.queue._buf, self.offset + at)[0]

    def _store(self, fmt, at, value):
        _put(self.queue._buf, self.offset + at, fmt.format[-1], value)

    def _address(self, at):
        return self.queue._address + self.offset + at

    def _slot_at(self, i):
        return _SEM_SLOTS + 8 * i

    def _home(self, pid):
        """Where process pid looks first (Java's ProcessSlots.homeOf), so processes spread over the slots."""
        return ((pid * 0x9E3779B9) >> 16) % _SEM_SLOT_COUNT

    def _order(self, pid):
        home = self._home(pid)
        return [self._slot_at((home + i) % _SEM_SLOT_COUNT) for i in range(_SEM_SLOT_COUNT)]

    def slots(self):
        return [self._load(_U64, self._slot_at(i)) for i in range(_SEM_SLOT_COUNT)]

    def holders(self):
        """[{"pid", "permits", "alive"}] for every occupied slot."""
        own = self.queue.segment.private_to_user
        out = []
        for word in self.slots():
            if word:
                try:
                    alive = _slot_alive(word, own)
                except SegmentError:
                    alive = True      # without /proc nothing can be proven dead
                out.append({"pid": word >> 32, "permits": word & _COUNT_MASK, "alive": alive})
        return out

    def is_empty(self):
        return not any(self.slots())

    def _held_key(self, me):
        seg = self.queue.segment
        return (me.pid, seg._file_id, seg.header["instance_id"], self.offset)

    def take(self, atomics):
        """Takes one permit, or raises SegmentError naming the live holders."""
        q = self.queue
        me = _identity()
        permits = self._load(_I32, _SEM_PERMITS)
        if permits != self.permits:
            raise _error(q.name, "is a corrupt queue: its %s has %d permits; a queue's has %d" % (self.what, permits, self.permits))
        with _ROLE_LOCK:
            key = self._held_key(me)
            held = _HELD.get(key, 0)
            taken, freed = False, 0
            self._acquire_word(me, atomics)
            try:
                if held == 0:
                    # this process holds nothing here, so a slot with its identity is a dead process's that had
                    # our pid and the same 16 bits of start tag: free it, or it would read as ours forever
                    freed += self._free(atomics, me, lambda w: (w & ~_COUNT_MASK) == me.slot, record=False)
                taken = self._try_add(atomics, me)
                if not taken:
                    own = q.segment.private_to_user
                    freed += self._free(atomics, me, lambda w: (w & ~_COUNT_MASK) != me.slot and not _slot_alive(w, own),
                                        record=True)
                    taken = self._try_add(atomics, me)
            finally:
                self._release_word()
            if taken:
                _HELD[key] = held + 1
                if freed:
                    # what the dead holder left unfinished is redone by this one (Java's Roles.take does the same)
                    atomics.and4(self._address(_SEM_FLAGS), ~_FLAG_INCONSISTENT)
                return
        holders = ", ".join("pid %d%s" % (h["pid"], "" if h["alive"] else " (dead)") for h in self.holders())
        raise SegmentError("queue '%s' already has %s: [%s]" % (q.name, self.holder, holders), q.name)

    def _acquire_word(self, me, atomics):
        """Takes the semaphore's owner word: CAS 0 -> our key. Its holders keep it for a few stores; one
        that keeps it for an owner-check interval is checked, and if certainly dead, the word is taken
        over (CAS dead key -> our key | TAKING, holder and hold count stored, then our plain key): silent,
        since the slots it guards change only by single CASes (docs/locks.md §6)."""
        q = self.queue
        owner = self._address(_SEM_OWNER)
        interval = q.owner_check_interval
        start = time.monotonic()
        deadline = start + 10 * interval + 1.0
        seen, seen_since, attempt = 0, start, 0
        while True:
            current = self._load(_U64, _SEM_OWNER)
            if current == 0:
                if atomics.cas8(owner, 0, me.key):
                    self._enter()
                    return
                continue
            now = time.monotonic()
            if current != seen:
                seen, seen_since = current, now
            elif now - seen_since >= interval:
                seen_since = now
                if (current & ~_TAKING) != me.key and not _key_alive(current, q.segment.private_to_user):
                    if atomics.cas8(owner, current, me.key | _TAKING):
                        flags = self._load(_I32, _SEM_FLAGS)
                        if flags & _FLAG_ACTIVE:
                            atomics.and4(self._address(_SEM_FLAGS), ~_FLAG_ACTIVE)
                        self._enter()
                        self._store(_U64, _SEM_OWNER, me.key)
                        return
                    continue
            if now > deadline:
                raise SegmentError("queue '%s': the internal word of its %s has been held by pid %d for over %.1f s"
                                   % (q.name, self.what, (current & ~_TAKING) >> 32, now - seen_since), q.name)
            _idle(attempt)
            attempt += 1

    def _enter(self):
        self._store(_U64, _SEM_THREAD, _holder_word())
        self._store(_I32, _SEM_HOLDS, 1)

    def _release_word(self):
        self._store(_I32, _SEM_HOLDS, 0)
        self._store(_U64, _SEM_THREAD, 0)
        self._store(_U64, _SEM_OWNER, 0)           # the release: an x86-64 store
        if self.wake is not None:
            self.wake.wake()

    def _try_add(self, atomics, me):
        """Adds one permit to this process's slot (its own slot, else a free one), holding the owner word."""
        if self.permits - sum(w & _COUNT_MASK for w in self.slots()) < 1:
            return False
        order = self._order(me.pid)
        while True:
            for at in order:
                word = self._load(_U64, at)
                if word and (word & ~_COUNT_MASK) == me.slot:
                    if (word & _COUNT_MASK) + 1 > _COUNT_MASK:
                        raise SegmentError("queue '%s': pid %d would hold more than %d permits of its %s"
                                           % (self.queue.name, me.pid, _COUNT_MASK, self.what), self.queue.name)
                    if atomics.cas8(self._address(at), word, word + 1):
                        return True
                    break                          # changed meanwhile: look again
            else:
                for at in order:
                    if self._load(_U64, at) == 0 and atomics.cas8(self._address(at), 0, me.slot | 1):
                        return True
                return False

    def _free(self, atomics, me, doomed, record):
        """Frees the slots for which doomed(word) holds, holding the owner word: INCONSISTENT first (and,
        for a dead holder, the recovery counted), then the CAS to 0. Returns the permits freed."""
        freed = 0
        for at in self._order(me.pid):
            word = self._load(_U64, at)
            if word and doomed(word):
                atomics.or4(self._address(_SEM_FLAGS), _FLAG_INCONSISTENT)
                if record:
                    recoveries = self._load(_I32, _SEM_RECOVERIES)
                    self._store(_I32, _SEM_RECOVERIES, recoveries + 1 if recoveries < 0x7FFFFFFF else -0x80000000)
                    self._store(_I32, _SEM_DEAD_PID, word >> 32)
                if atomics.cas8(self._address(at), word, 0):
                    freed += word & _COUNT_MASK
        return freed

    def release(self, atomics):
        """Gives back one permit this process holds: a CAS of its slot word down by one."""
        me = _identity()
        with _ROLE_LOCK:
            key = self._held_key(me)
            held = _HELD.get(key, 0)
            if held < 1:
                raise SegmentError("queue '%s': pid %d gives back %s it does not hold" % (self.queue.name, me.pid, self.what),
                                   self.queue.name)
            order = self._order(me.pid)
            while True:
                for at in order:
                    word = self._load(_U64, at)
                    if word and (word & ~_COUNT_MASK) == me.slot:
                        if atomics.cas8(self._address(at), word, 0 if word & _COUNT_MASK == 1 else word - 1):
                            _HELD[key] = held - 1
                            if self.wake is not None:
                                self.wake.wake()
                            return
                        break
                else:
                    _HELD[key] = 0
                    raise SegmentError("queue '%s': the slot of pid %d in its %s is gone (was it freed by another "
                                       "process that took this one for dead?)" % (self.queue.name, me.pid, self.what),
                                       self.queue.name)


def _idle(attempt):
    """The wait between two looks at shared words: a few yields, then sleeps from 2 µs doubling to 1 ms."""
    if attempt < 8:
        time.sleep(0)
    else:
        time.sleep(min(0.001, 0.000002 * (1 << min(attempt - 8, 10))))


class Queue:
    """A shmkit message queue (docs/messaging.md), attached by name: a segment of kind "queue"
    whose descriptor is checked exactly as the Java side checks it (magic, CRC, each field's
    range, the data size, the record layout, then the positions); every failure is a
    SegmentError naming the queue and the field.

    layout: None accepts the queue's own record layout (record_layout is '' for byte messages);
    a str must equal it ('' asks for a queue of byte messages). owner_check_interval (seconds) is
    how long a waiter waits before it checks the process it waits for: by default 0.01, as Java's
    LockOptions.DEFAULT, and 0.1 with kernel_waits, as Java's LockOptions.KERNEL_WAITS. readonly=True
    maps the file read-only: status() only.

    kernel_waits=True (off by default) makes a consumer waiting for data and a producer waiting for
    room sleep in the kernel (Linux futex(2) on the queue's wake words, docs/messaging.md §4a) once
    they have yielded a few times, instead of polling with sleeps of up to 1 ms; each sleep ends by
    a wake-up, at the call's timeout, or after owner_check_interval, so the liveness checks go on.
    With it on, this queue's producers and consumers also wake sleepers of any other process, Java
    or Python, that asked for kernel waits: every message sent and every batch consumed then pays
    one locked read-modify-write of a wake word, a full barrier (one ctypes call into libatomic,
    under a microsecond), to learn whether anyone sleeps, and a system call only if someone does. Off, no wake word is read or written and no system call is
    made. Where futexes cannot be used (not 64-bit Linux on x86-64 or AArch64, no libatomic.so.1)
    it is off after one warning per process (logger "shmkit"); the attribute kernel_waits says
    whether it is on.

    Attributes: name, segment, producers (ONE_PRODUCER or MANY_PRODUCERS), capacity,
    max_message, record_layout, record_size, record_type (the ctypes Structure of a record
    queue, else None).

    consumer() and producer() take a role; close() (or leaving a with block) closes what they
    made and detaches. Producers and consumers are for one thread at a time, and belong to the
    process that made them (a forked child attaches anew)."""

    def __init__(self, name, directory=None, layout=None, readonly=False, trust_other_users=False, follow_links=False,
                 owner_check_interval=None, kernel_waits=False):
        self.segment = Segment(name, directory, readonly, trust_other_users, follow_links)
        self._ends = []
        if owner_check_interval is None:
            owner_check_interval = 0.1 if kernel_waits else 0.01
        try:
            self._attach(layout, float(owner_check_interval))
            self._consumer_wake = self._producers_wake = None
            self.kernel_waits = bool(kernel_waits) and not readonly and self._wake_words()
        except BaseException:
            self.close()
            raise

    def _attach(self, layout, interval):
        seg = self.segment
        self.name = name = seg.name
        self.owner_check_interval = interval
        if seg.kind != "queue":
            raise _error(name, "holds a %s segment (%s x %d), not a queue" % (seg.kind, seg.header["layout"], seg.count))
        if seg.header["layout"] != "u8":
            raise _error(name, "is a queue segment whose layout is %s; a queue's data is u8" % seg.header["layout"])
        buf = self._buf = seg.buf
        base = seg.header["data_offset"]
        d = _check_queue_descriptor(name, buf, base, seg.header["data_size"])
        self.producers, self.capacity, self.max_message = d["producers"], d["capacity"], d["max_message"]
        self.record_size, self.record_layout = d["record_size"], d["layout"]
        if layout is not None and layout != self.record_layout:
            raise _error(name, "holds a queue of %s, requested a queue of %s" % (_describe_queue(self.record_layout),
                                                                                _describe_queue(layout)))
        self.record_type = ctype_of(d["parsed"]) if d["parsed"] is not None else None
        self._c = base + d["control"]
        self._ring_offset = self._c + _RING
        self._mask = self.capacity - 1
        # others move the positions while they are read: judge only a snapshot in which cleared and head
        # did not change around the read of the tail (docs/messaging.md §5, "Attaching to a busy queue")
        give_up = time.monotonic() + max(interval, 1.0)
        while True:
            cleared, head = self._word(_CLEARED), self._word(_HEAD)
            tail = self._word(_TAIL)
            if self._word(_CLEARED) == cleared and self._word(_HEAD) == head:
                break
            if time.monotonic() > give_up:
                raise _error(name, "is a corrupt queue: its positions never stopped changing while attaching, for %.0f ms"
                             % (max(interval, 1.0) * 1000))
        if cleared < 0 or cleared > head or head > tail or tail - cleared > self.capacity or (tail | head | cleared) & 15:
            raise _error(name, "is a corrupt queue: its positions (cleared %d, head %d, tail %d) break cleared <= head <= "
                         "tail <= cleared + %d (the capacity), all multiples of 16" % (cleared, head, tail, self.capacity))
        self._ring = buf[self._ring_offset:self._ring_offset + self.capacity]
        self._views = [self._ring]
        self._address = None
        if not seg.readonly:
            # ctypes sees the mapping's address only through a writable buffer; kept until close()
            self._anchor = ctypes.c_char.from_buffer(seg._mmap)
            self._address = ctypes.addressof(self._anchor)
        self._consumer_role = _Role(self, self._c + _CONSUMER_ROLE, 1, "consumer role", "a consumer")
        self._producer_role = _Role(self, self._c + _PRODUCER_ROLE,
                                    1 if self.producers == ONE_PRODUCER else MANY_PRODUCER_PERMITS, "producer role",
                                    "a producer")

    def _wake_words(self):
        """Makes the wake words of §4a, or says once (logger "shmkit") why kernel waits are off; whether they are on."""
        futex, atomics = _futex(), _atomics()
        why = futex if isinstance(futex, str) else atomics if isinstance(atomics, str) else None
        if why is not None:
            if not _FUTEX_REPORTED:
                _FUTEX_REPORTED.append(True)
                import logging
                logging.getLogger("shmkit").warning("queue '%s': kernel waits were asked for but are off (%s); waiting "
                                                    "by polling instead", self.name, why)
            return False
        self._consumer_wake = _WakeWord(self._buf, self._c + _CONSUMER_WAKE, self._address + self._c + _CONSUMER_WAKE,
                                        futex, atomics)
        self._producers_wake = _WakeWord(self._buf, self._c + _PRODUCERS_WAKE, self._address + self._c + _PRODUCERS_WAKE,
                                         futex, atomics)
        # a JVM with kernel waits may sleep on a role's internal word (the semaphore's wake word, docs/locks.md §6)
        self._consumer_role.wake = _WakeWord(self._buf, self._consumer_role.offset + _SEM_WAKE,
                                             self._address + self._consumer_role.offset + _SEM_WAKE, futex, atomics)
        self._producer_role.wake = _WakeWord(self._buf, self._producer_role.offset + _SEM_WAKE,
                                             self._address + self._producer_role.offset + _SEM_WAKE, futex, atomics)
        return True

    # -- words of the control area, by offset from C

    def _word(self, at):
        return _I64.unpack_from(self._buf, self._c + at)[0]

    def _set_word(self, at, value):
        _put(self._buf, self._c + at, "q", value)

    def _tail(self):
        return self._word(_TAIL)

    # -- roles

    def _role_atomics(self, what):
        """The atomics for taking a role, after checking that this process may take one at all."""
        self.segment._check_open()
        if self.segment.readonly:
            raise SegmentError("queue '%s' is attached read-only: taking %s writes its role words" % (self.name, what), self.name)
        atomics = _atomics()
        if isinstance(atomics, str):
            raise SegmentError("queue '%s': cannot take %s: %s" % (self.name, what, atomics), self.name)
        try:
            _identity()
        except SegmentError as e:
            raise SegmentError("queue '%s': cannot take %s: %s" % (self.name, what, e), self.name) from None
        refusal = _host_view_refusal(self.segment)
        if refusal:
            raise SegmentError("queue '%s': refusing to take %s: %s" % (self.name, what, refusal), self.name)
        return atomics

    def consumer(self):
        """Takes the consumer role (a dead holder's is taken back) and returns a QueueConsumer.
        Raises SegmentError naming the live consumer, or saying why this process cannot take a role."""
        if not _x86_64():
            import platform
            raise SegmentError("queue '%s': cannot consume on %s: plain loads and stores may be reordered there, and "
                               "shmkit.py has no acquire loads or release stores, so it could read a message torn and its "
                               "zeroing could land after a producer's new record (docs/messaging.md §7)"
                               % (self.name, platform.machine()), self.name)
        c = QueueConsumer(self, self._role_atomics("the consumer role"))
        self._ends.append(c)
        return c

    def producer(self):
        """Takes the producer role of a one-producer queue (a dead holder's is taken back) and
        returns a QueueProducer. A many-producer queue is refused (see docs/messaging.md §7), and so
        is writing anywhere but on x86-64."""
        if self.producers != ONE_PRODUCER:
            raise SegmentError("queue '%s' has many producers, and shmkit.py cannot write to it: each reservation there "
                               "takes the queue's claimer word with a compare-and-set, which the Python standard library "
                               "cannot do (and taking a dead claimer's word over is not implemented either); shmkit.py "
                               "reads many-producer queues, and writes one-producer queues only" % self.name, self.name)
        if not _x86_64():
            import platform
            raise SegmentError("queue '%s': shmkit.py writes to queues only on x86-64, where aligned stores are release "
                               "stores; on %s the payload could be seen after its length (docs/messaging.md §7)"
                               % (self.name, platform.machine()), self.name)
        p = QueueProducer(self, self._role_atomics("the producer role"))
        self._ends.append(p)
        return p

    # -- state

    def _end_of_stream(self):
        """§5: the attach count recorded by the last producer to close, nothing waiting, and no
        producer role held (a producer may have taken its role and not yet counted itself)."""
        if not self._producer_role.is_empty():          # the role first: a producer that attaches, sends and
            return False                                 # closes after this read changes attaches, re-read last
        attaches = self._word(_ATTACHES)
        return (attaches > 0 and self._word(_END_OF_STREAM_AT) == attaches and self._tail() == self._word(_HEAD)
                and self._word(_ATTACHES) == attaches)

    def _check_end_of_stream(self, abandoned):
        """Raises EndOfStream if every producer closed and all was read; with abandoned (once per
        owner-check interval: it reads /proc) also if every producer still holding a role is dead."""
        if self._end_of_stream():
            raise EndOfStream("queue '%s': every producer closed and all was read" % self.name)
        attaches = self._word(_ATTACHES)
        if abandoned and attaches != 0:
            holders = self._producer_role.holders()
            if (holders and not any(h["alive"] for h in holders) and self._tail() == self._word(_HEAD)
                    and self._word(_ATTACHES) == attaches):
                raise EndOfStream("queue '%s': every producer died (pids %s) and all was read"
                                  % (self.name, [h["pid"] for h in holders]))

    def _count_messages(self, head, tail):
        count, p, ring, cap = 0, head, self._ring, self.capacity
        while p < tail:
            i = p & self._mask
            length = abs(_I32.unpack_from(ring, i)[0])
            if length < _HEADER or _align16(length) > cap - i:
                break        # being written, or changing under us: a snapshot cannot say more
            if _I32.unpack_from(ring, i + 4)[0] != PADDING:
                count += 1
            p += _align16(length)
        return count

    def status(self):
        """The queue's state now, read without taking anything: a dict as Java's QueueStatus."""
        self.segment._check_open()
        head, tail = self._word(_HEAD), self._tail()
        consumers = self._consumer_role.holders()
        return {
            "name": self.name, "producers": "one producer" if self.producers == ONE_PRODUCER else "many producers",
            "capacity": self.capacity, "max_message": self.max_message, "record_layout": self.record_layout,
            "head": head, "tail": tail, "cleared": self._word(_CLEARED), "depth_bytes": tail - head,
            "depth_messages": self._count_messages(head, tail), "unblocked": self._word(_UNBLOCKED),
            "claim_takeovers": self._word(_CLAIM_TAKEOVERS), "attaches": self._word(_ATTACHES),
            "end_of_stream_at": self._word(_END_OF_STREAM_AT),
            "consumer": consumers[0] if consumers else None, "producer_list": self._producer_role.holders(),
            "end_of_stream": self._end_of_stream(),
        }

    def close(self):
        """Closes the producers and consumers made from this queue (giving their roles back) and
        detaches. Never raises; calling it again does nothing."""
        for end in getattr(self, "_ends", []):
            try:
                end.close()
            except Exception:
                pass
        self._ends = []
        for view in getattr(self, "_views", []):
            view.release()
        self._views = []
        self._anchor = None
        self.segment.close()

    def __enter__(self):
        self.segment._check_open()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    def __repr__(self):
        return "Queue(%r, %s, %d bytes%s%s)" % (self.name, "one producer" if self.producers == ONE_PRODUCER else
                                                "many producers", self.capacity,
                                                ", " + self.record_layout if self.record_layout else "",
                                                ", closed" if self.segment.closed else "")


def _describe_queue(layout):
    return "byte messages" if not layout else "records " + layout


def _check_queue_descriptor(name, buf, base, size):
    """Checks a queue descriptor (docs/messaging.md §2) at buf[base:base + size]: the magic, the
    layout length, the CRC, each field's range, the data size, the layout text. Returns its fields."""
    def corrupt(what):
        return _error(name, "is a corrupt queue: " + what)

    if size < _QUEUE_LAYOUT_OFFSET or bytes(buf[base:base + 8]) != QUEUE_MAGIC:
        raise corrupt("its data does not start with the queue magic \"SHMKQUE1\"")
    producers, _, capacity, max_message, record_size, n, stored = _QUEUE_DESCRIPTOR.unpack_from(buf, base + 8)
    if n > _QUEUE_MAX_LAYOUT or _QUEUE_LAYOUT_OFFSET + n > size:
        raise corrupt("record layout length is %d (at most %d)" % (n, _QUEUE_MAX_LAYOUT))
    raw = bytes(buf[base + _QUEUE_LAYOUT_OFFSET:base + _QUEUE_LAYOUT_OFFSET + n])
    crc = zlib.crc32(raw, zlib.crc32(bytes(buf[base:base + 0x24])))
    if crc != stored:
        raise corrupt("its descriptor checksum is 0x%x but it hashes to 0x%x" % (stored, crc))
    if producers not in (ONE_PRODUCER, MANY_PRODUCERS):
        raise corrupt("producer count code is %d (1 for one producer, 2 for many)" % producers)
    if capacity & (capacity - 1) or not _QUEUE_MIN_CAPACITY <= capacity <= _QUEUE_MAX_CAPACITY:
        raise corrupt("capacity is %d (a power of two from %d to %d)" % (capacity, _QUEUE_MIN_CAPACITY, _QUEUE_MAX_CAPACITY))
    largest = capacity // 8 - _HEADER
    if max_message > largest:
        raise corrupt("max message length is %d for a capacity of %d (at most %d)" % (max_message, capacity, largest))
    if record_size > max_message or (record_size == 0) != (n == 0):
        raise corrupt("record size is %d with a layout text of %d bytes and a max message length of %d"
                      % (record_size, n, max_message))
    control = _align(_QUEUE_LAYOUT_OFFSET + n, 128)
    if size != control + _RING + capacity:
        raise corrupt("its data is %d bytes; a ring of %d needs %d" % (size, capacity, control + _RING + capacity))
    parsed = None
    try:
        layout = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise corrupt("its record layout text is not valid UTF-8: %s" % _escape(raw)) from None
    if n:
        try:
            parsed = _LayoutParser(layout).parse()
        except SegmentError as e:
            raise corrupt("its record " + str(e)) from None
        if parsed.size != record_size:
            raise corrupt("record size is %d but its record layout text %s describes %d bytes"
                          % (record_size, layout, parsed.size))
    return {"producers": producers, "capacity": capacity, "max_message": max_message, "record_size": record_size,
            "layout": layout, "parsed": parsed, "control": control}


class _End:
    """What producers and consumers share: their queue, their role, their process."""

    def __init__(self, queue, role, atomics):
        self.queue, self._role, self._atomics = queue, role, atomics
        self.closed = True           # until the role is taken
        self._pid = os.getpid()
        role.take(atomics)
        self.closed = False

    def _check(self):
        if self.closed:
            raise SegmentError("the %s of queue '%s' is closed" % (self._what, self.queue.name), self.queue.name)
        if os.getpid() != self._pid:
            raise SegmentError("the %s of queue '%s' belongs to pid %d, not to this forked child: attach anew"
                               % (self._what, self.queue.name, self._pid), self.queue.name)
        self.queue.segment._check_open()

    def __enter__(self):
        self._check()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    def __repr__(self):
        return "%s[%s%s]" % (type(self).__name__, self.queue.name, ", closed" if self.closed else "")


class QueueProducer(_End):
    """The producer of a one-producer queue (Queue.producer()): it holds the producer role until
    close(). Follows docs/messaging.md §3, R1-R8 without a claimer word: reserve at its own copy
    of the tail (a padding record first if the message would not fit before the ring's end),
    write the header (writer key, type, then the negative length), advance the tail, copy the
    payload, store the positive length. close() gives the role back and, if no process holds a
    producer role any more, marks the end of the stream (§5)."""

    _what = "producer"

    def __init__(self, queue, atomics):
        _End.__init__(self, queue, queue._producer_role, atomics)
        atomics.add8(queue._address + queue._c + _ATTACHES, 1)
        self._key = _identity().key
        self._cleared = queue._word(_CLEARED)
        # a predecessor that died before its tail store left at most a header at the tail, which is overwritten
        self._tail = queue._tail()

    def offer(self, type, data):
        """Copies a message in if there is room now; False if the queue is full. type is 1 or more;
        data any bytes-like object of at most max_message bytes."""
        return self._send(type, data, False, None)

    def send(self, type, data, timeout=None):
        """Copies a message in, waiting up to timeout seconds for room (None: as long as it takes).
        Raises QueueFull if it stayed full, or at once (at an owner check) if the consumer is dead."""
        self._send(type, data, True, timeout)

    def offer_record(self, record):
        """offer() for a record queue: record is an instance of queue.record_type, a dict of its fields,
        or bytes-like of exactly record_size bytes."""
        return self._send(RECORD_TYPE, self._record_bytes(record), False, None)

    def send_record(self, record, timeout=None):
        """send() for a record queue; record as for offer_record()."""
        self._send(RECORD_TYPE, self._record_bytes(record), True, timeout)

    def _record_bytes(self, record):
        q = self.queue
        if q.record_type is None:
            raise ValueError("queue '%s' holds byte messages, not records" % q.name)
        if isinstance(record, dict):
            record = q.record_type(**record)
        if isinstance(record, ctypes.Structure):
            if not isinstance(record, q.record_type):
                raise TypeError("queue '%s' holds records %s; a %s is another type" % (q.name, q.record_layout,
                                                                                    type(record).__name__))
            return bytes(record)
        return memoryview(record).cast("B")

    def _send(self, type, data, wait, timeout):
        self._check()
        q = self.queue
        view = data if isinstance(data, bytes) else memoryview(data).cast("B")
        n = len(view)
        if not isinstance(type, int) or not 1 <= type <= 0x7FFFFFFF:
            raise ValueError("queue '%s': message type %r is reserved; types are 1 to 2147483647" % (q.name, type))
        if n > q.max_message:
            raise ValueError("queue '%s': a message of %d bytes exceeds its largest, %d bytes" % (q.name, n, q.max_message))
        if q.record_type is not None and (type != RECORD_TYPE or n != q.record_size):
            raise ValueError("queue '%s' holds records of %d bytes, type %d; not a message of %d bytes of type %d"
                             % (q.name, q.record_size, RECORD_TYPE, n, type))
        at = self._reserve(type, n)
        if at < 0:
            if not wait:
                return False
            at = self._await_room(type, n, timeout)
        ring = q._ring
        committed = False
        try:
            ring[at + _HEADER:at + _HEADER + n] = view                 # R7
            _put(ring, at, "i", _HEADER + n)                      # R8: committed
            committed = True
        finally:
            if not committed:                                          # abort: type -1, then the length
                _put(ring, at + 4, "i", PADDING)
                _put(ring, at, "i", _HEADER + n)
            if q._consumer_wake is not None:                           # §4a: a sleeping consumer is woken
                q._consumer_wake.wake()
        return True

    def _reserve(self, type, n):
        """R1-R5 at this producer's tail; the ring offset of the record, or -1 if the queue is full."""
        q = self.queue
        cap, ring, key = q.capacity, q._ring, self._key
        a = _align16(_HEADER + n)                                      # R1
        t = self._tail
        i = t & q._mask
        p = cap - i if a > cap - i else 0
        nxt = t + p + a
        if nxt - self._cleared > cap:                                  # R2
            self._cleared = q._word(_CLEARED)
            if nxt - self._cleared > cap:
                return -1
        pad = i
        if p:                                                          # R3: padding to the ring's end, negative
            _put(ring, i + 8, "Q", key)                           # until the tail covers it
            _put(ring, i + 4, "i", PADDING)
            _put(ring, i, "i", -p)
            i = 0
        _put(ring, i + 8, "Q", key)                               # R4
        _put(ring, i + 4, "i", type)
        _put(ring, i, "i", -(_HEADER + n))
        q._set_word(_TAIL, nxt)                                        # R5: published
        if p:
            _put(ring, pad, "i", p)                               # R5b: the padding committed
        self._tail = nxt
        return i

    def _has_room(self, n):
        """Whether a message of n bytes fits now, as the consumer's cleared position stands (R1, R2): a
        producer sleeps only while it does not, since only the consumer, which wakes it, makes room."""
        q = self.queue
        a, t = _align16(_HEADER + n), self._tail
        i = t & q._mask
        return t + (q.capacity - i if a > q.capacity - i else 0) + a - q._word(_CLEARED) <= q.capacity

    def _await_room(self, type, n, timeout):
        q = self.queue
        start = time.monotonic()
        next_check = start + q.owner_check_interval
        attempt = 0
        wake = q._producers_wake
        while True:
            now = time.monotonic()
            if now >= next_check:
                next_check = now + q.owner_check_interval
                for c in q._consumer_role.holders():
                    if not c["alive"]:
                        raise QueueFull("queue '%s' is full and its consumer, pid %d, is dead: nothing will make room "
                                        "until a new consumer attaches" % (q.name, c["pid"]), c["pid"])
            if timeout is not None and now - start >= timeout:
                s = q.status()
                consumer = s["consumer"]
                raise QueueFull("queue '%s' stayed full for %s s (%d of %d bytes waiting; consumer %s)"
                                % (q.name, timeout, s["depth_bytes"], q.capacity,
                                   "pid %d" % consumer["pid"] if consumer else "none"), consumer["pid"] if consumer else 0)
            if wake is not None:
                wake.idle(attempt, lambda: self._has_room(n),
                          min(next_check, start + timeout if timeout is not None else next_check) - now)
            else:
                _idle(attempt)
            attempt += 1
            at = self._reserve(type, n)
            if at >= 0:
                return at

    def close(self):
        """Gives the producer role back; if no process holds a producer role any more, stores the
        attach count it read before into end-of-stream-at (§5). Idempotent."""
        if self.closed or os.getpid() != self._pid:
            return
        self.closed = True
        q = self.queue
        # raised before the role is given back (a producer dying between the two leaves a dead holder, which
        # consumers find, not a stream that never ends), and only ever raised, so that a slower closer's older
        # count cannot undo a later one's; the end is seen only once no process holds a producer role
        attaches = q._word(_ATTACHES)
        address = q._address + q._c + _END_OF_STREAM_AT
        current = q._word(_END_OF_STREAM_AT)
        while current < attaches and not self._atomics.cas8(address, current, attaches):
            current = q._word(_END_OF_STREAM_AT)
        self._role.release(self._atomics)
        if q._consumer_wake is not None:          # a sleeping consumer learns of the end of the stream now
            q._consumer_wake.wake()


class QueueConsumer(_End):
    """The consumer of a queue (Queue.consumer()): it holds the consumer role until close().
    Follows docs/messaging.md §4: C1-C5 for each record, then P1-P3 for what a call consumed
    (head, zeroes, cleared). On attach it finishes a dead predecessor's zeroing; a message left
    half-written for an owner-check interval by a writer that is certainly dead is dropped
    (counted in "unblocked"); one whose writer lives, or cannot be checked, is waited for.

    A message is consumed when the call that returns it returns: recv() and poll() consume one
    at a time, recv_many() a batch. Anything no protocol step writes raises SegmentError naming
    the queue and the ring offset, after publishing what was consumed before it."""

    _what = "consumer"

    def __init__(self, queue, atomics):
        _End.__init__(self, queue, queue._consumer_role, atomics)
        self._head = queue._word(_HEAD)
        self._cleared = queue._word(_CLEARED)
        self._stuck_at, self._stuck_since = -1, 0.0
        self._publish(self._head)               # a predecessor that died between P1 and P3 left zeroing to do

    # -- reading

    def poll(self):
        """One message as (type, bytes) if one is waiting now, else None. Never waits."""
        got = self._read(1, None)
        return got[0] if got else None

    def recv(self, timeout=None):
        """Waits up to timeout seconds (None: as long as it takes) for a message; (type, bytes), or
        None if none came in time. Raises EndOfStream if nothing is waiting and nothing will come."""
        got = self.recv_many(1, timeout)
        return got[0] if got else None

    def recv_many(self, limit=64, timeout=None):
        """Up to limit waiting messages as [(type, bytes)], consumed together (one head store, one
        zeroing); waits up to timeout for the first. [] if none came in time; EndOfStream as recv()."""
        if limit < 1:
            raise ValueError("limit must be 1 or more, not %r" % (limit,))
        return self._wait(lambda: self._read(limit, None), timeout)

    def poll_record(self):
        """One record (a copy, an instance of queue.record_type) if one is waiting now, else None."""
        got = self._read(1, self._record_size())
        return self.queue.record_type.from_buffer_copy(got[0][1]) if got else None

    def recv_record(self, timeout=None):
        """recv() for a record queue: the record as an instance of queue.record_type, or None."""
        size = self._record_size()
        got = self._wait(lambda: self._read(1, size), timeout)
        return self.queue.record_type.from_buffer_copy(got[0][1]) if got else None

    def __iter__(self):
        """(type, bytes) for each message until the end of the stream."""
        while True:
            try:
                yield self.recv()
            except EndOfStream:
                return

    def records(self):
        """Each record (a copy, an instance of queue.record_type) until the end of the stream."""
        while True:
            try:
                yield self.recv_record()
            except EndOfStream:
                return

    @property
    def end_of_stream(self):
        """Whether every producer closed and all was read."""
        self._check()
        return self.queue._end_of_stream()

    def _record_size(self):
        if self.queue.record_type is None:
            raise ValueError("queue '%s' holds byte messages, not records" % self.queue.name)
        return self.queue.record_size

    def _wait(self, read, timeout):
        got = read()
        if got:
            return got
        q = self.queue
        start = time.monotonic()
        next_check = start + q.owner_check_interval
        attempt = 0
        wake = q._consumer_wake
        while True:
            now = time.monotonic()
            due = now >= next_check
            if due:
                next_check = now + q.owner_check_interval
            q._check_end_of_stream(due)
            if timeout is not None and now - start >= timeout:
                return []
            if wake is not None:
                wake.idle(attempt, self._ready, min(next_check, start + timeout if timeout is not None else next_check) - now)
            else:
                _idle(attempt)
            attempt += 1
            got = read()
            if got:
                return got

    def _ready(self):
        """What ends a sleeping consumer's wait (§4a): a committed record at the head below the tail (what
        _read hands over or passes, so that it makes progress), or the end of the stream. A record being
        written (a negative length) is not: its commit wakes the consumer."""
        q = self.queue
        h = self._head
        return (_I32.unpack_from(q._ring, h & q._mask)[0] > 0 and q._tail() > h) or q._end_of_stream()

    def _read(self, limit, record_size):
        """C1-C5 from the head for up to limit messages, then P1-P3 for what was consumed. What it
        raises, it raises before consuming anything: a fault after some messages ends the batch there
        (they are returned and consumed), and the next call raises at once."""
        self._check()
        q = self.queue
        ring, cap, mask, largest = q._ring, q.capacity, q._mask, q.max_message
        h = self._head
        tail = -1                                                   # the tail, loaded when needed
        out = []
        while len(out) < limit:
            i = h & mask
            length = _I32.unpack_from(ring, i)[0]                   # C1
            if length == 0:                                         # C2: nothing more yet
                break
            if length < 0:                                          # C3: being written
                if self._unblock(i, h, length, bool(out)):
                    continue                                        # a dead writer's message became padding
                break
            type = _I32.unpack_from(ring, i + 4)[0]                 # C4
            fault = None
            if length < _HEADER or _align16(length) > cap - i or (type != PADDING and length - _HEADER > largest):
                fault = self._corrupt(i, h, "a record length of %d bytes" % length)
            elif type < 1 and type != PADDING:
                fault = self._corrupt(i, h, "message type %d" % type)
            elif type != PADDING and record_size is not None and length - _HEADER != record_size:
                fault = _error(q.name, "is a corrupt queue: a record message of %d bytes at ring offset %d; its records "
                               "are %d bytes" % (length - _HEADER, i, record_size))
            if fault is not None:
                if out:
                    break
                raise fault
            if type == PADDING:
                if q._tail() < h + length:                          # committed padding is only ever below the tail
                    fault = self._corrupt(i, h, "a padding record of %d bytes that ends past the tail, %d"
                                          % (length, q._tail()))
                    if out:
                        break
                    raise fault
            else:
                if tail <= h:
                    # a committed message is always below the tail (R5 before R8); at or past it these bytes
                    # are a stale header that a producer is overwriting (docs/messaging.md §7, Python)
                    tail = q._tail()
                    if tail <= h:
                        break
                out.append((type, bytes(ring[i + _HEADER:i + length])))
            h += _align16(length)                                   # C5
        self._publish(h)
        return out

    def _unblock(self, i, h, negative, have_some):
        """C3: drops the half-written message at h if it has stayed so for an owner-check interval,
        lies below the tail, and its writer is certainly dead. True if it was dropped."""
        q = self.queue
        length = -negative
        if length < _HEADER or _align16(length) > q.capacity - i:
            if h < q._tail() and not have_some:
                raise self._corrupt(i, h, "a record length of %d bytes" % negative)
            return False
        now = time.monotonic()
        if self._stuck_at != h:
            self._stuck_at, self._stuck_since = h, now
            return False
        if now - self._stuck_since < q.owner_check_interval or h >= q._tail():
            return False
        self._stuck_since = now
        writer = _U64.unpack_from(q._ring, i + 8)[0]
        if _key_alive(writer, q.segment.private_to_user):
            return False
        message = _I32.unpack_from(q._ring, i + 4)[0] != PADDING   # not padding its writer had not yet committed
        _put(q._ring, i + 4, "i", PADDING)
        if self._atomics.cas4(q._address + q._ring_offset + i, negative, length):
            if message:
                self._atomics.add8(q._address + q._c + _UNBLOCKED, 1)
            return True
        return False

    def _publish(self, head):
        """P1 for a head that moved, then P2 and P3 for everything not yet zeroed (so a call interrupted
        between the two is finished by the next)."""
        if head != self._head:
            self.queue._set_word(_HEAD, head)                       # P1: consumed
            self._head = head
        if self._cleared != self._head:
            self._clear(self._cleared, self._head)

    def _clear(self, start, end):
        """P2, P3: zeroes ring positions [start, end), then publishes cleared = end."""
        q = self.queue
        ring_address = q._address + q._ring_offset
        at, n = start & q._mask, end - start
        first = min(n, q.capacity - at)
        ctypes.memset(ring_address + at, 0, first)
        if n > first:
            ctypes.memset(ring_address, 0, n - first)
        q._set_word(_CLEARED, end)
        self._cleared = end
        if q._producers_wake is not None:                          # §4a: a producer asleep for room is woken
            q._producers_wake.wake()

    def _corrupt(self, i, h, what):
        return _error(self.queue.name, "is a corrupt queue: %s at ring offset %d (position %d)" % (what, i, h))

    def close(self):
        """Gives the consumer role back; what was not consumed stays for the next consumer. Idempotent."""
        if self.closed or os.getpid() != self._pid:
            return
        self.closed = True
        self._role.release(self._atomics)


# ---------------------------------------------------------------------------------------------
# Command line

def _main(argv):
    import argparse
    parser = argparse.ArgumentParser(description="Print a shmkit segment's header and contents.")
    parser.add_argument("name")
    parser.add_argument("--dir", default=None, help="segment directory (default /dev/shm)")
    parser.add_argument("--trust-other-users", action="store_true", help="open a segment owned by another user")
    parser.add_argument("--follow-links", action="store_true", help="open a segment through a symbolic link")
    args = parser.parse_args(argv)
    try:
        with Segment(args.name, args.dir, readonly=True, trust_other_users=args.trust_other_users,
                     follow_links=args.follow_links) as seg:
            lines = ["%-14s %s" % (key, seg.header[key]) for key in
                     ("kind", "layout", "element_count", "element_size", "data_offset", "total_size", "creator_pid")]
            if seg.kind == "queue":
                lines += _queue_lines(args.name, args.dir, args.trust_other_users, args.follow_links)
            else:
                lines.append("%-14s %s" % ("data", _preview(seg)))
    except SegmentError as e:
        sys.stderr.write("shmkit: %s\n" % _one_line(str(e)))
        return 2
    print("\n".join(lines))
    return 0


def _queue_lines(name, directory, trust_other_users, follow_links):
    """What the command line shows of a queue: its descriptor, positions and roles."""
    with Queue(name, directory, readonly=True, trust_other_users=trust_other_users, follow_links=follow_links) as q:
        s = q.status()

    def who(h):
        return "pid %d%s" % (h["pid"], "" if h["alive"] else " (dead)")

    return ["%-14s %s" % pair for pair in (
        ("queue", "%s, %d bytes, messages up to %d bytes, %s" % (s["producers"], s["capacity"], s["max_message"],
                                                                 _describe_queue(s["record_layout"]))),
        ("positions", "head %d, tail %d, cleared %d" % (s["head"], s["tail"], s["cleared"])),
        ("waiting", "%d messages, %d bytes" % (s["depth_messages"], s["depth_bytes"])),
        ("consumer", who(s["consumer"]) if s["consumer"] else "none"),
        ("producers", ", ".join(who(h) for h in s["producer_list"]) or "none"),
        ("stream", "%s; %d producer attaches, %d messages dropped from dead writers, %d claimer take-overs"
         % ("ended" if s["end_of_stream"] else "open", s["attaches"], s["unblocked"], s["claim_takeovers"])))]


def _preview(seg):
    """What the command line shows of the data: a string, the first 8 elements, or the value.
    Made from copies of the bytes it shows, so that it works on a read-only mapping."""
    element = ctype_of(seg.layout)
    offset, size, stride = seg.header["data_offset"], seg.header["data_size"], seg.header["element_size"]
    if seg.kind in ("value", "struct"):
        return _show(type(element).from_buffer_copy(element, seg.data))
    if element is ctypes.c_char:
        end = seg._mmap.find(b"\0", offset, offset + size)
        return seg._mmap[offset:end if end >= 0 else offset + size]
    n = min(seg.count, 8)
    array_type = element * n
    items = type(array_type).from_buffer_copy(array_type, seg.data[:n * stride])
    return [_show(x) for x in items]


def _show(x):
    if isinstance(x, ctypes.Structure):
        return {f[0]: _show(getattr(x, f[0])) for f in x._fields_ if not f[0].startswith("_pad")}
    if isinstance(x, ctypes.Array):
        return x.value if x._type_ is ctypes.c_char else [_show(v) for v in x]
    return getattr(x, "value", x)


def _one_line(text):
    return "".join(c if c >= " " or c == "\t" else "\\x%02x" % ord(c) for c in text)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
