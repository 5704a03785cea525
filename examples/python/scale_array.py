from multiprocessing import Process, Array


def scale(arr, factor):
    for i in range(len(arr)):
        arr[i] *= factor


if __name__ == "__main__":
    arr = Array('d', [1.0, 2.0, 3.0, 4.0])
    p = Process(target=scale, args=(arr, 2.5))
    p.start()
    p.join()
    print(arr[:])
