import sys
from shmkit import Segment

with Segment(sys.argv[1]) as seg:     # a SharedStructArray<Point> made in Java
    for p in seg.ctypes():
        p.x **= 2
