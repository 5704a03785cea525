from multiprocessing import Process
from multiprocessing.shared_memory import SharedMemory


def fill(name):
    shm = SharedMemory(name=name)
    shm.buf[:5] = b'howdy'
    shm.close()


if __name__ == "__main__":
    shm = SharedMemory(create=True, size=10)
    p = Process(target=fill, args=(shm.name,))
    p.start()
    p.join()
    print(bytes(shm.buf[:5]).decode())
    shm.close()
    shm.unlink()
