from multiprocessing import Process, Lock, Value, Array


def reader(data, readers, mutex, room, torn):
    for _ in range(2000):
        with mutex:
            readers.value += 1
            if readers.value == 1:
                room.acquire()
        snapshot = data[:]
        with mutex:
            readers.value -= 1
            if readers.value == 0:
                room.release()
        if len(set(snapshot)) != 1:
            with torn.get_lock():
                torn.value += 1


def writer(data, room):
    for n in range(1, 2001):
        with room:
            for i in range(len(data)):
                data[i] = n


if __name__ == "__main__":
    data, readers, torn = Array('l', 8, lock=False), Value('i', 0), Value('i', 0)
    mutex, room = Lock(), Lock()
    workers = [Process(target=reader, args=(data, readers, mutex, room, torn)) for _ in range(2)]
    workers.append(Process(target=writer, args=(data, room)))
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("torn snapshots: %d, final: %d" % (torn.value, data[0]))
