from multiprocessing import Process, Array


def shout(s):
    s.value = s.value.upper()


if __name__ == "__main__":
    s = Array('c', b'hello world')
    p = Process(target=shout, args=(s,))
    p.start()
    p.join()
    print(s.value.decode())
