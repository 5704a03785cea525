"""Attach to shmkit segments from Python.

A segment that a JVM created with shmkit is a file (by default /dev/shm/<name>, the namespace
of multiprocessing.shared_memory) that starts with a self-describing header; see
docs/format.md. This module parses that header and exposes the data, without copying, as

- a memoryview of the data bytes            (Segment.data)
- ctypes objects of the matching types       (Segment.ctypes(): c_double, c_int64 * n,
                                              a Structure class, an array of Structures)
- a numpy array, when numpy is importable    (Segment.numpy())

Standard library only. Writes through any of these views are seen by the JVMs at once.

    from shmkit import Segment
    with Segment("points") as seg:          # created in Java as SharedStructArray<Point>
        points = seg.ctypes()                 # (Point * 3), fields x and y
        for p in points:
            p.x **= 2
        del points                            # views must go before close()

Run `python3 shmkit.py NAME [--dir DIR]` to print a segment's header and a preview.
"""

import ctypes
import mmap
import os
import re
import struct
import sys
import zlib

__all__ = ["Segment", "SegmentError", "parse_layout", "ctype_of", "dtype_of", "read_header"]

MAGIC = b"SHMKIT\x1a\n"
BYTE_ORDER_MARK = 0x01020304
FORMAT_VERSION = 1
LAYOUT_OFFSET = 0x200
CHECKSUM_OFFSET = 0x5C
MAX_LAYOUT_LENGTH = 64 * 1024
DATA_ALIGNMENT = 64
DEV_SHM = "/dev/shm"

KINDS = {1: "value", 2: "array", 3: "struct", 4: "struct_array", 5: "bytes"}

SCALAR_CTYPES = {
    "bool": ctypes.c_bool, "i8": ctypes.c_int8, "u8": ctypes.c_uint8, "char": ctypes.c_char,
    "i16": ctypes.c_int16, "u16": ctypes.c_uint16, "i32": ctypes.c_int32, "i64": ctypes.c_int64,
    "f32": ctypes.c_float, "f64": ctypes.c_double,
}
SCALAR_DTYPES = {
    "bool": "?", "i8": "i1", "u8": "u1", "char": "S1", "i16": "i2", "u16": "u2", "i32": "i4",
    "i64": "i8", "f32": "f4", "f64": "f8",
}

# Header fields after the magic, in native order ('=' keeps the offsets of docs/format.md).
_FIELDS = struct.Struct("=IHHQQQQQIIqqqII")
_NAMES = ("byte_order_mark", "format_version", "kind_code", "total_size", "data_offset", "data_size",
          "element_count", "element_size", "element_alignment", "layout_length", "creator_pid",
          "creator_start_ms", "created_ms", "flags", "checksum")


class SegmentError(Exception):
    """A file that is not a readable shmkit segment, or a misuse of one."""


# ---------------------------------------------------------------------------------------------
# Layout text (grammar in docs/format.md)

class Scalar:
    def __init__(self, code):
        self.code = code

    def __repr__(self):
        return self.code


class Array:
    def __init__(self, element, dims):
        self.element, self.dims = element, dims   # dims outermost first, as C declares them

    def __repr__(self):
        return repr(self.element) + "".join("[%d]" % n for n in self.dims)


class Struct:
    def __init__(self, name, fields, size):
        self.name, self.fields, self.size = name, fields, size   # fields: (name, type, offset)

    def __repr__(self):
        inner = ",".join("%s:%r@%d" % f for f in self.fields)
        return "%s{%s}#%d" % (self.name, inner, self.size)


_TOKEN = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*|\d+|[{}:,@#\[\]]")


def parse_layout(text):
    """Parses a layout text such as 'Point{x:f64@0,y:f64@8}#16' into Scalar/Array/Struct."""
    tokens = _TOKEN.findall(text)
    if "".join(tokens) != text:
        raise SegmentError("malformed layout text %r" % text)
    pos = [0]

    def peek():
        return tokens[pos[0]] if pos[0] < len(tokens) else None

    def take(expected=None):
        tok = peek()
        if tok is None or (expected is not None and tok != expected):
            raise SegmentError("malformed layout text %r: expected %r at token %d" % (text, expected, pos[0]))
        pos[0] += 1
        return tok

    def number():
        tok = take()
        if not tok.isdigit():
            raise SegmentError("malformed layout text %r: expected a number, got %r" % (text, tok))
        return int(tok)

    def parse_type():
        name = ""
        if peek() not in ("{", None) and peek() not in SCALAR_CTYPES:
            name = take()
        if peek() == "{":
            take("{")
            fields = []
            while True:
                field = take()
                take(":")
                ftype = parse_type()
                take("@")
                fields.append((field, ftype, number()))
                if peek() == ",":
                    take(",")
                    continue
                take("}")
                break
            take("#")
            base = Struct(name or "struct", fields, number())
        else:
            code = take()
            if code not in SCALAR_CTYPES:
                raise SegmentError("unknown scalar type %r in layout text %r" % (code, text))
            base = Scalar(code)
        dims = []
        while peek() == "[":
            take("[")
            dims.append(number())
            take("]")
        return Array(base, dims) if dims else base

    result = parse_type()
    if pos[0] != len(tokens):
        raise SegmentError("malformed layout text %r: trailing tokens" % text)
    return result


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

def read_header(buf, name="?"):
    """Validates the header at the start of buf (bytes-like, the whole file) and returns a dict."""
    size = len(buf)
    if size < len(MAGIC) or bytes(buf[:len(MAGIC)]) != MAGIC:
        raise SegmentError("segment %r is not a shmkit segment (%d bytes, first bytes %s)" % (name, size, bytes(buf[:8]).hex(" ")))
    if size < LAYOUT_OFFSET:
        raise SegmentError("segment %r is truncated: %d bytes, the header alone needs %d" % (name, size, LAYOUT_OFFSET))
    h = dict(zip(_NAMES, _FIELDS.unpack_from(buf, 8)))
    if h["byte_order_mark"] == int.from_bytes(BYTE_ORDER_MARK.to_bytes(4, "little"), "big"):
        raise SegmentError("segment %r was written in the other byte order than this machine's (%s)" % (name, sys.byteorder))
    if h["byte_order_mark"] != BYTE_ORDER_MARK:
        raise SegmentError("segment %r has a corrupt header: byte-order mark 0x%x" % (name, h["byte_order_mark"]))
    if h["format_version"] != FORMAT_VERSION:
        raise SegmentError("segment %r has format version %d; this module reads %d" % (name, h["format_version"], FORMAT_VERSION))
    n = h["layout_length"]
    if not 1 <= n <= MAX_LAYOUT_LENGTH or LAYOUT_OFFSET + n > size:
        raise SegmentError("segment %r has a corrupt or truncated header: layout length %d" % (name, n))
    crc = zlib.crc32(bytes(buf[LAYOUT_OFFSET:LAYOUT_OFFSET + n]), zlib.crc32(bytes(buf[:CHECKSUM_OFFSET])))
    if crc != h["checksum"]:
        raise SegmentError("segment %r has a corrupt header: checksum 0x%08x, header hashes to 0x%08x" % (name, h["checksum"], crc))
    h["kind"] = KINDS.get(h["kind_code"])
    if h["kind"] is None:
        raise SegmentError("segment %r has an unknown kind code %d" % (name, h["kind_code"]))
    h["layout"] = bytes(buf[LAYOUT_OFFSET:LAYOUT_OFFSET + n]).decode("utf-8")
    if (h["element_count"] * h["element_size"] != h["data_size"]
            or h["data_offset"] != _align(LAYOUT_OFFSET + n, DATA_ALIGNMENT)
            or h["data_offset"] + h["data_size"] != h["total_size"]):
        raise SegmentError("segment %r has a corrupt header: sizes disagree" % name)
    if h["total_size"] != size:
        raise SegmentError("segment %r is %s: %d bytes, its header says %d"
                           % (name, "truncated" if size < h["total_size"] else "longer than its header says", size, h["total_size"]))
    return h


# ---------------------------------------------------------------------------------------------
# Segments

class Segment:
    """A shmkit segment attached by name. In /dev/shm (the default) it is attached through
    multiprocessing.shared_memory.SharedMemory; in another directory through mmap of the file.
    Attaching never unlinks or resizes the segment, and Python's resource tracker is told not
    to remove it when this process exits."""

    def __init__(self, name, directory=None):
        self.name = name
        self._shm = None
        self._mmap = None
        if directory is None or os.path.realpath(directory) == DEV_SHM:
            self._shm = _attach_shared_memory(name)
            self.buf = self._shm.buf
        else:
            path = os.path.join(directory, name)
            try:
                fd = os.open(path, os.O_RDWR)
            except FileNotFoundError:
                raise SegmentError("segment %r does not exist: %s" % (name, path)) from None
            try:
                self._mmap = mmap.mmap(fd, 0)
            finally:
                os.close(fd)
            self.buf = memoryview(self._mmap)
        try:
            self.header = read_header(self.buf, name)
        except Exception:
            self.close()
            raise
        self.kind = self.header["kind"]
        self.layout = parse_layout(self.header["layout"])
        self.count = self.header["element_count"]
        offset, size = self.header["data_offset"], self.header["data_size"]
        self.data = self.buf[offset:offset + size]

    def ctypes(self):
        """The data as ctypes objects sharing the memory: a scalar, an array, a Structure, an
        array of Structures, or for raw bytes a c_uint8 array. A c_char array has .value/.raw."""
        element = ctype_of(self.layout)
        if self.kind in ("value", "struct"):
            t = element
        else:
            t = element * self.count
        return t.from_buffer(self.buf, self.header["data_offset"])

    def numpy(self):
        """The data as a numpy array sharing the memory (a 0-d array for a value or struct)."""
        import numpy as np
        dtype = dtype_of(self.layout)
        if self.kind == "array" and isinstance(self.layout, Scalar) and self.layout.code == "char":
            dtype = np.dtype("S1")
        arr = np.frombuffer(self.buf, dtype=dtype, count=self.count, offset=self.header["data_offset"])
        return arr.reshape(()) if self.kind in ("value", "struct") else arr

    def close(self):
        """Detaches. Every ctypes object, numpy array and memoryview obtained from this segment
        must have been deleted first; the segment itself stays for other processes."""
        for view in ("data", "buf"):
            v = self.__dict__.pop(view, None)
            if v is not None:
                v.release()
        try:
            if self._shm is not None:
                self._shm.close()
            if self._mmap is not None:
                self._mmap.close()
        except BufferError as e:
            raise SegmentError("segment %r is still exported (delete ctypes objects and numpy arrays first): %s"
                               % (self.name, e)) from None
        self._shm = self._mmap = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            self.close()
        except SegmentError:
            if exc_type is None:
                raise
            # an exception is already on its way out and its frames still hold the views:
            # report that one; the mapping goes when the views are collected



    def __repr__(self):
        return "Segment(%r, %s %s x %d)" % (self.name, self.kind, self.header["layout"], self.count)


def _attach_shared_memory(name):
    from multiprocessing import shared_memory
    try:
        try:
            return shared_memory.SharedMemory(name=name, create=False, track=False)   # Python 3.13+
        except TypeError:
            shm = shared_memory.SharedMemory(name=name, create=False)
    except FileNotFoundError:
        raise SegmentError("segment %r does not exist in %s" % (name, DEV_SHM)) from None
    # Before 3.13 attaching registers the segment with the resource tracker, which would
    # unlink it, under the JVMs' feet, when this process exits.
    from multiprocessing import resource_tracker
    resource_tracker.unregister(shm._name, "shared_memory")
    return shm


def _main(argv):
    import argparse
    parser = argparse.ArgumentParser(description="Print a shmkit segment's header and contents.")
    parser.add_argument("name")
    parser.add_argument("--dir", default=None, help="segment directory (default /dev/shm)")
    args = parser.parse_args(argv)
    with Segment(args.name, args.dir) as seg:
        for key in ("kind", "layout", "element_count", "element_size", "data_offset", "total_size", "creator_pid"):
            print("%-14s %s" % (key, seg.header[key]))
        obj = seg.ctypes()
        if isinstance(obj, ctypes.Array) and obj._type_ is ctypes.c_char:
            items = []
            preview = obj.value
        elif seg.kind in ("array", "struct_array", "bytes"):
            items = [obj[i] for i in range(min(len(obj), 8))]
            preview = [_show(x) for x in items]
        else:
            preview = _show(obj)
            items = [obj]
        print("%-14s %s" % ("data", preview))
        del obj, items


def _show(x):
    if isinstance(x, ctypes.Structure):
        return {f[0]: _show(getattr(x, f[0])) for f in x._fields_ if not f[0].startswith("_pad")}
    if isinstance(x, ctypes.Array):
        return x.value if x._type_ is ctypes.c_char else [_show(v) for v in x]
    return getattr(x, "value", x)


if __name__ == "__main__":
    _main(sys.argv[1:])
