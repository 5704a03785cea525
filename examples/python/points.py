from ctypes import Structure, c_double
from multiprocessing import Process, Array


class Point(Structure):
    _fields_ = [('x', c_double), ('y', c_double)]


def square(points):
    for p in points:
        p.x **= 2
        p.y **= 2


if __name__ == "__main__":
    points = Array(Point, [(1, -6), (-5, 2), (2, 9)])
    p = Process(target=square, args=(points,))
    p.start()
    p.join()
    print([(p.x, p.y) for p in points])
