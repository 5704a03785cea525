"""Attach to shmkit segments from Python.

A segment that a JVM created with shmkit is a file (by default /dev/shm/<name>, the namespace
of multiprocessing.shared_memory) that starts with a self-describing header, format version 2;
see docs/format.md. This module checks that header exactly as the Java side does and exposes
the data, without copying, as

- a memoryview of the data bytes            (Segment.data)
- ctypes objects of the matching types       (Segment.ctypes(): c_double, c_int64 * n,
                                              a Structure class, an array of Structures)
- a numpy array, when numpy is importable    (Segment.numpy())

Standard library only. Writes through any of these views are seen by the JVMs at once.

    from shmkit import Segment
    with Segment("points") as seg:            # created in Java as SharedStructArray<Point>
        points = seg.ctypes()                 # (Point * 3), fields x and y, in the shared memory
        for p in points:
            p.x **= 2                         # the JVMs see the new x at once
    # leaving the block detaches; points and p stay valid until they are deleted (see close())

Segment(name, readonly=True) maps the file read-only: data and numpy() read, ctypes() refuses.

Attaching never creates, deletes, resizes or writes a segment file, and refuses, with a
SegmentError naming the segment and the problem, anything that is not a complete, valid
segment: a missing name, a FIFO, socket, directory, device or symbolic link (unless
follow_links=True), another user's file (unless trust_other_users=True), an empty, truncated,
foreign or corrupt file, or a mapping the system refuses.

Run `python3 shmkit.py NAME [--dir DIR]` to print a segment's header and a preview; on a file
it cannot read it prints one line to stderr and exits with status 2.
"""

import ctypes
import errno
import mmap
import os
import stat
import struct
import sys
import uuid
import zlib

__all__ = ["Segment", "SegmentError", "parse_layout", "ctype_of", "dtype_of", "read_header", "validate_name"]

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

KINDS = {1: "value", 2: "array", 3: "struct", 4: "struct_array", 5: "bytes"}

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
    count, and while attached buf (the whole file) and data (the data bytes), memoryviews.

    Views and close(): close() (or leaving a with block) releases buf and data, and unmaps the
    file unless ctypes objects or numpy arrays made from this segment (or memoryviews sliced
    from buf or data) still exist. Those keep the mapping, and stay valid, until the last of
    them is deleted; close() never fails because of them. Accessing buf or data of a closed
    segment raises SegmentError, and so do ctypes() and numpy()."""

    def __init__(self, name, directory=None, readonly=False, trust_other_users=False, follow_links=False):
        self.name = validate_name(name)         # before anything touches the file system
        self.readonly = bool(readonly)
        self._mmap = None
        self._views = []
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

    def close(self):
        """Detaches: releases buf and data, and unmaps the file once no ctypes object, numpy
        array or memoryview made from this segment is left (at once if there is none). Never
        raises; calling it again does nothing. The segment itself stays for other processes."""
        mm, self._mmap = self._mmap, None
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
            lines.append("%-14s %s" % ("data", _preview(seg)))
    except SegmentError as e:
        sys.stderr.write("shmkit: %s\n" % _one_line(str(e)))
        return 2
    print("\n".join(lines))
    return 0


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
