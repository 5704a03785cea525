"""Driven by PythonInteropTest: checks in Python what Java wrote, then writes for Java to check.

usage: interop_check.py PYTHON_DIR SCENARIO NAME_OR_DIR JAVA_PID
Exit 0 when every check passed; otherwise prints what failed and exits 1.
"""
import ctypes
import sys

sys.path.insert(0, sys.argv[1])
import shmkit  # noqa: E402

try:
    import numpy
except ImportError:
    numpy = None


def check(ok, what):
    if not ok:
        print("CHECK FAILED:", what)
        sys.exit(1)


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
    with shmkit.Segment(name) as seg:
        check(seg.kind == "struct_array", seg)
        check(seg.header["layout"] == "Point{x:f64@0,y:f64@8}#16", seg.header["layout"])
        check(seg.count == 3, seg.count)
        check(seg.header["creator_pid"] == java_pid, seg.header["creator_pid"])
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
    with shmkit.Segment("value", directory) as v, shmkit.Segment("array", directory) as a, \
            shmkit.Segment("string", directory) as s, shmkit.Segment("raw", directory) as r:
        dv, da, ds, dr = v.ctypes(), a.ctypes(), s.ctypes(), r.ctypes()
        check(v.kind == "value" and dv.value == 2.5, dv)
        check(list(da) == [10, 20, 30, -1], list(da))
        check(ds.value == b"hello world" and len(ds) == 12, ds.raw)
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


SCENARIOS = {"points": points, "layouts": layouts, "values": values, "refuses": refuses}

if __name__ == "__main__":
    SCENARIOS[sys.argv[2]](sys.argv[3], int(sys.argv[4]))
