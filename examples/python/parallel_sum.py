from multiprocessing import Process, Queue


def total(n, results):
    results.put(sum(range(1, n + 1)))


if __name__ == "__main__":
    results = Queue()
    workers = [Process(target=total, args=(10_000_000, results)) for _ in range(4)]
    for w in workers:
        w.start()
    print([results.get() for _ in workers])
    for w in workers:
        w.join()
