#!/usr/bin/env python3
"""Generates shm-core's per-primitive classes (SharedLong, SharedLongArray, ...) from
tools/templates/*.java.template, as the JDK generates its X-Buffer classes.

    python3 tools/gen_primitives.py          # rewrite the generated sources
    python3 tools/gen_primitives.py --check  # exit 1 if any generated source is stale

Template syntax: $name$ is replaced from the type table below; a line '//#if flag' or
'//#if !flag' starts a block kept only when the flag holds for the type, '//#else' and
'//#end' as usual (no nesting). Per-type templates make one class per type; in a single-file
template the lines between '//#each' and '//#endeach' are repeated once per type.
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "shm-core/src/main/java/io/shmkit/core"
TEMPLATES = pathlib.Path(__file__).resolve().parent / "templates"

# name, java type, boxed, layout, size, code, ctypes, flags, buffer
TYPES = [
    ("Boolean", "boolean", "Boolean", "JAVA_BOOLEAN", 1, "bool", "c_bool", set(), None),
    ("Byte", "byte", "Byte", "JAVA_BYTE", 1, "i8", "c_int8", {"buf"}, "Byte"),
    ("Short", "short", "Short", "JAVA_SHORT", 2, "i16", "c_int16", {"buf"}, "Short"),
    ("Char", "char", "Character", "JAVA_CHAR", 2, "u16", "c_uint16", {"buf"}, "Char"),
    ("Int", "int", "Integer", "JAVA_INT", 4, "i32", "c_int32", {"buf", "cas", "add", "upd"}, "Int"),
    ("Long", "long", "Long", "JAVA_LONG", 8, "i64", "c_int64", {"buf", "cas", "add", "upd"}, "Long"),
    ("Float", "float", "Float", "JAVA_FLOAT", 4, "f32", "c_float", {"buf", "cas", "fadd"}, "Float"),
    ("Double", "double", "Double", "JAVA_DOUBLE", 8, "f64", "c_double", {"buf", "cas", "fadd", "upd"}, "Double"),
]


def render(template, t):
    name, jtype, box, layout, size, code, ctype, flags, buf = t
    flags = set(flags) | {"bool" if jtype == "boolean" else "notbool"}
    if name == "Byte":
        flags.add("bytebuf")
    subs = {
        "T": name, "t": jtype, "Box": box, "L": layout, "size": str(size), "code": code, "ctype": ctype,
        "Buffer": (buf or "") + "Buffer", "asBuffer": "" if name == "Byte" else ".as%sBuffer()" % buf,
        "Op": {"Int": "IntUnaryOperator", "Long": "LongUnaryOperator", "Double": "DoubleUnaryOperator"}.get(name, ""),
        "BinOp": {"Int": "IntBinaryOperator", "Long": "LongBinaryOperator", "Double": "DoubleBinaryOperator"}.get(name, ""),
        "a": "an" if name[0] in "AEIOU" else "a",
        "A": "An" if name[0] in "AEIOU" else "A",
        "zero": "false" if jtype == "boolean" else "0",
    }
    out, keep = [], [True]
    for line in template.splitlines():
        s = line.strip()
        if s.startswith("//#if "):
            flag = s[6:].strip()
            keep.append((flag[1:] not in flags) if flag.startswith("!") else (flag in flags))
            continue
        if s == "//#else":
            keep[-1] = not keep[-1]
            continue
        if s == "//#end":
            keep.pop()
            continue
        if all(keep):
            for k, v in subs.items():
                line = line.replace("$" + k + "$", v)
            out.append(line)
    return "\n".join(out) + "\n"


def render_each(template):
    """Renders a single-file template: '//#each' ... '//#endeach' once per type, the rest once."""
    before, rest = template.split("//#each\n", 1)
    body, after = rest.split("//#endeach\n", 1)
    return before + "\n".join(render(body, t).rstrip("\n") + "\n" for t in TYPES) + after


def outputs():
    for template_file, pattern in (("SharedValue.java.template", "Shared%s.java"),
                                   ("SharedArray.java.template", "Shared%sArray.java")):
        template = (TEMPLATES / template_file).read_text()
        for t in TYPES:
            yield OUT / (pattern % t[0]), render(template, t)
    yield OUT / "StructField.java", render_each((TEMPLATES / "StructField.java.template").read_text())


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for path, text in outputs():
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path)
        else:
            path.write_text(text)
    if stale:
        print("stale generated sources (run python3 tools/gen_primitives.py):")
        for p in stale:
            print("  " + str(p.relative_to(ROOT)))
        sys.exit(1)


if __name__ == "__main__":
    main()
