package io.shmkit.pool;

import io.shmkit.core.ProcessLiveness;
import io.shmkit.core.SegmentDirectory;
import io.shmkit.msg.EndOfStreamException;
import io.shmkit.msg.MessageQueue;
import io.shmkit.msg.QueueConsumer;
import io.shmkit.msg.QueueOptions;
import io.shmkit.msg.QueueProducer;
import io.shmkit.process.JvmProcess;
import io.shmkit.process.ValueCodec;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterators;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A pool of warm worker JVMs: Python's {@code multiprocessing.Pool} and
 * {@code ProcessPoolExecutor} across JVMs. Workers start once, each with this JVM's java, class
 * path, inherited {@code -D}/{@code -ea}/module options, plus the options given here, and stay
 * until the pool closes; tasks and results travel through shm-msg queues in shared memory.
 *
 * <pre>{@code
 * public static final class Square implements Task<Long, Long> {
 *     public Long apply(Long x) { return x * x; }
 * }
 *
 * try (Pool pool = Pool.builder().workers(2).start()) {
 *     List<Long> squares = pool.map(Square.class, List.of(1L, 2L, 3L), 1);    // [1, 4, 9]
 *     CompletableFuture<Long> nine = pool.submit(Square.class, 3L);
 * }
 * }</pre>
 *
 * <p><b>Tasks</b> are classes implementing {@link Task} with a public no-argument constructor;
 * a lambda cannot be one (its class exists only in this JVM). Arguments and results cross in
 * {@link ValueCodec}'s binary form; large data crosses as a segment, by name, and each worker
 * attaches a segment once and keeps it.
 *
 * <p><b>On the module path</b>, workers get this JVM's module path and resolve the modules it did
 * (see {@link JvmProcess}). A worker builds a task reflectively, from module {@code io.shmkit.pool},
 * and the records among arguments and results from {@code io.shmkit.core}: a module whose task
 * classes or records are not public (with a public constructor) in an exported package opens
 * their package to both ({@code opens com.example.app to io.shmkit.pool, io.shmkit.core;}).
 * {@code submit} refuses a task class a worker could not build, naming the declaration.
 *
 * <p><b>Scheduling.</b> Jobs (one task, or one chunk of {@link #map}) go to the worker with the
 * fewest jobs in hand, at most {@value #JOBS_PER_WORKER} per worker, so a worker always has its
 * next job queued while it runs one; the rest wait here, in submission order.
 *
 * <p><b>Failures.</b> A task that throws fails its future with a {@link RemoteTaskException}
 * (the remote class, message and stack trace). A worker JVM that dies (killed, out of memory)
 * fails the jobs it held with a {@link WorkerDiedException} naming its pid and the task, or
 * submits them again if {@link Builder#retries(int) retries} are left; a replacement worker
 * starts at once, and other jobs are unaffected. A task class that cannot cross (not on the
 * class path, no public no-argument constructor, a lambda) is refused in {@code submit}. If this
 * JVM dies, each worker notices within a tenth of a second, removes the pool's queues and
 * exits with {@value PoolWorker#ORPHANED}: no worker and no pool segment outlives it.
 *
 * <p><b>Futures</b> complete on the pool's callback threads, never on the thread that reads
 * results, so a dependent action ({@code thenApply}...) may itself wait on the pool.
 *
 * <p><b>Closing.</b> {@link #close()} refuses new tasks, lets every task already submitted
 * finish (or fail), then ends the workers and waits for them, and removes the pool's segments.
 * A task has no time limit: {@code close()} waits for a task that never ends, and
 * {@link #terminate()} is the way out.
 * {@link #terminate()} kills the workers at once and fails every unfinished future with a
 * {@link CancellationException}. Thread-safe: any thread may submit.
 */
public final class Pool implements AutoCloseable {
    /** Jobs sent to one worker and not yet answered. */
    static final int JOBS_PER_WORKER = 2;
    private static final long TASK_QUEUE_CAPACITY = 1 << 20;
    private static final long RESULT_QUEUE_CAPACITY = 4 << 20;

    private final Builder config;
    private final SegmentDirectory dir = SegmentDirectory.shm().temporary();
    private final MessageQueue results;
    private final QueueConsumer resultConsumer;
    private final Worker[] workers;
    private final ArrayDeque<Job> pending = new ArrayDeque<>();
    private final Map<Long, Job> inFlight = new HashMap<>();
    private volatile Thread collector;
    /** Completes futures off the collector thread, so that a dependent action may wait on the pool. */
    private final java.util.concurrent.ExecutorService callbacks = java.util.concurrent.Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("shmkit pool callback ", 0).factory());
    private long nextJob;
    private boolean closing;
    /** Set when the JVM exits: killed workers are not replaced then. */
    private volatile boolean shuttingDown;

    /** Pools not yet terminated: at JVM exit each is terminated, so none replaces the workers the exit kills. */
    private static final java.util.Set<Pool> OPEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        io.shmkit.core.ShutdownSequence.beforeUnlinkingTemporaries(() -> OPEN.forEach(pool -> {
            pool.shuttingDown = true;
            pool.terminate();
        }));
    }
    private boolean terminated;
    private RuntimeException broken;

    private Pool(Builder config) throws InterruptedException {
        this.config = config;
        this.results = MessageQueue.create(dir, "pool-results", QueueOptions.manyProducers(RESULT_QUEUE_CAPACITY));
        this.resultConsumer = results.consumer();
        this.workers = new Worker[config.workers];
        OPEN.add(this);
        try {
            synchronized (this) {
                for (int i = 0; i < workers.length; i++) {
                    workers[i] = startWorker(i);
                }
            }
            collector = Thread.ofPlatform().daemon().name("shmkit pool " + results.name()).start(this::collect);
            awaitReady(config.startTimeout);
            if (config.warmUpTask != null) {
                warmUp();
            }
        } catch (RuntimeException | InterruptedException | Error e) {
            terminate();
            throw e;
        }
    }

    /** A builder: {@code Pool.builder().workers(4).jvmOptions("-Xmx1g").start()}. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ submitting

    /**
     * Runs {@code task} on {@code argument} in a worker.
     *
     * @return the result, or a {@link RemoteTaskException}, {@link WorkerDiedException} or
     *         {@link CancellationException} (after {@link #terminate()})
     * @throws IllegalArgumentException if the task class or the argument cannot cross to a worker
     * @throws IllegalStateException    if the pool is closing or closed
     */
    public <A, R> CompletableFuture<R> submit(Class<? extends Task<A, R>> task, A argument) {
        @SuppressWarnings("unchecked")
        CompletableFuture<R> one = (CompletableFuture<R>) (CompletableFuture<?>) submitJob(task, Collections.singletonList(argument), true);
        return one;
    }

    /**
     * Applies {@code task} to every argument, {@code chunkSize} arguments per job, and returns the
     * results in the arguments' order (Python's {@code Pool.map}).
     *
     * @throws RemoteTaskException  the first failure, in argument order (others are not reported)
     * @throws WorkerDiedException  if a worker died holding a chunk and no retry was left
     * @throws InterruptedException if interrupted while waiting; the jobs go on
     */
    public <A, R> List<R> map(Class<? extends Task<A, R>> task, List<? extends A> arguments, int chunkSize)
            throws InterruptedException {
        List<CompletableFuture<List<Object>>> chunks = submitChunks(task, arguments, chunkSize);
        List<R> out = new ArrayList<>(arguments.size());
        for (CompletableFuture<List<Object>> chunk : chunks) {
            for (Object r : await(chunk)) {
                @SuppressWarnings("unchecked")
                R result = (R) r;
                out.add(result);
            }
        }
        return out;
    }

    /**
     * Applies {@code task} to every argument and streams the results as jobs finish, in no
     * particular order (Python's {@code imap_unordered}). The stream blocks while it waits; a
     * failed job makes it throw when reached.
     */
    public <A, R> Stream<R> imapUnordered(Class<? extends Task<A, R>> task, List<? extends A> arguments, int chunkSize) {
        List<CompletableFuture<List<Object>>> chunks = submitChunks(task, arguments, chunkSize);
        BlockingQueue<CompletableFuture<List<Object>>> finished = new LinkedBlockingQueue<>();
        chunks.forEach(c -> c.whenComplete((v, e) -> finished.add(c)));
        Iterator<R> results = new Iterator<>() {
            private int chunksLeft = chunks.size();
            private Iterator<Object> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && chunksLeft > 0) {
                    CompletableFuture<List<Object>> chunk;
                    try {
                        chunk = finished.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CancellationException("interrupted while waiting for a result");
                    }
                    chunksLeft--; // before it may throw: a caller that goes on after a failure gets the rest
                    try {
                        current = await(chunk).iterator();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CancellationException("interrupted while waiting for a result");
                    }
                }
                return current.hasNext();
            }

            @Override
            @SuppressWarnings("unchecked")
            public R next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return (R) current.next();
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(results, 0), false);
    }

    /**
     * Submits {@code task} for every argument, one job each, and waits until all finished
     * ({@code ExecutorService.invokeAll}): every future returned is done.
     */
    public <A, R> List<CompletableFuture<R>> invokeAll(Class<? extends Task<A, R>> task, List<? extends A> arguments)
            throws InterruptedException {
        List<CompletableFuture<R>> futures = new ArrayList<>(arguments.size());
        for (A a : arguments) {
            futures.add(submit(task, a));
        }
        for (CompletableFuture<R> f : futures) {
            try {
                f.get();
            } catch (ExecutionException | CancellationException failed) {
                // the future says so
            }
        }
        return futures;
    }

    /** Number of workers. */
    public int workers() {
        return workers.length;
    }

    /** The process ids of the current workers, by worker index. */
    public synchronized List<Long> workerPids() {
        List<Long> pids = new ArrayList<>();
        for (Worker w : workers) {
            pids.add(w == null ? -1 : w.process.pid());
        }
        return pids;
    }

    private <A> List<CompletableFuture<List<Object>>> submitChunks(Class<?> task, List<? extends A> arguments, int chunkSize) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be at least 1, not " + chunkSize);
        }
        List<CompletableFuture<List<Object>>> chunks = new ArrayList<>();
        for (int from = 0; from < arguments.size(); from += chunkSize) {
            @SuppressWarnings("unchecked")
            CompletableFuture<List<Object>> chunk = (CompletableFuture<List<Object>>) (CompletableFuture<?>)
                    submitJob(task, arguments.subList(from, Math.min(arguments.size(), from + chunkSize)), false);
            chunks.add(chunk);
        }
        return chunks;
    }

    /** A job: its future completes with the one result ({@code single}) or with the list of them. */
    private CompletableFuture<Object> submitJob(Class<?> task, List<?> arguments, boolean single) {
        checkTask(task);
        CompletableFuture<Object> future = new CompletableFuture<>();
        synchronized (this) {
            if (closing || terminated) {
                throw new IllegalStateException("the pool is " + (terminated ? "terminated" : "closing") + ": no new tasks");
            }
            if (broken != null) {
                throw new IllegalStateException("the pool is broken: " + broken.getMessage(), broken);
            }
            long id = nextJob++;
            byte[] payload = PoolProtocol.job(id, task.getName(), arguments);
            if (payload.length > results.maxMessageLength() || payload.length > QueueOptions.largestMessage(TASK_QUEUE_CAPACITY)) {
                throw new IllegalArgumentException("the arguments of " + task.getSimpleName() + " take " + payload.length
                        + " bytes, more than a job carries (" + QueueOptions.largestMessage(TASK_QUEUE_CAPACITY)
                        + "); pass large data in a shared segment, which crosses by name");
            }
            pending.add(new Job(id, task, new Description(task, arguments), payload, future, single, -1));
            dispatch();
        }
        return future;
    }

    private static final ClassValue<Boolean> CHECKED = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            checkTaskNow(type);
            return Boolean.TRUE;
        }
    };

    private static void checkTask(Class<?> task) {
        CHECKED.get(Objects.requireNonNull(task, "task"));
    }

    private static void checkTaskNow(Class<?> task) {
        if (task.isHidden() || task.isSynthetic() || task.isAnonymousClass() || task.isLocalClass()) {
            throw new IllegalArgumentException(task.getName() + " cannot be a pool task: a lambda, anonymous or local class"
                    + " exists only in the JVM that made it; write a top-level or static nested class implementing Task");
        }
        if (!Task.class.isAssignableFrom(task)) {
            throw new IllegalArgumentException(task.getName() + " does not implement " + Task.class.getName());
        }
        if (task.isMemberClass() && !Modifier.isStatic(task.getModifiers())) {
            throw new IllegalArgumentException(task.getName() + " is an inner class: make it static so a worker can build it");
        }
        java.lang.reflect.Constructor<?> constructor;
        try {
            constructor = task.getDeclaredConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(task.getName() + " has no no-argument constructor: a worker builds a task with one");
        }
        if (!constructor.trySetAccessible()) { // a worker resolves the same modules, with the same declarations
            Module module = task.getModule();
            Module self = Pool.class.getModule();
            String pkg = task.getPackageName();
            String to = self.isNamed() ? self.getName() : "ALL-UNNAMED";
            throw new IllegalArgumentException(task.getName() + " cannot be built by a worker: module " + module.getName()
                    + " does not open package " + pkg + " to " + (self.isNamed() ? "module " + to : "shmkit") + "; add 'opens "
                    + pkg + (self.isNamed() ? " to " + to : "") + ";' to its module-info.java (or make the class and its"
                    + " constructor public in an exported package), or run with --add-opens " + module.getName() + "/" + pkg
                    + "=" + to);
        }
    }

    /** A job's name in failures, made only when one needs it: arguments' toString can be costly. */
    private record Description(Class<?> task, List<?> arguments) {
        @Override
        public String toString() {
            String args = arguments.size() == 1 ? String.valueOf(arguments.getFirst()) : arguments.size() + " arguments";
            return "task " + task.getSimpleName() + "(" + (args.length() > 80 ? args.substring(0, 80) + "..." : args) + ")";
        }
    }

    private static List<Object> await(CompletableFuture<List<Object>> chunk) throws InterruptedException {
        try {
            return chunk.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new CompletionException(e.getCause());
        }
    }

    // ------------------------------------------------------------------ workers

    /** One worker JVM and the jobs it holds. */
    private static final class Worker {
        final int index;
        final JvmProcess process;
        final MessageQueue tasks;
        final QueueProducer producer;
        final List<Job> jobs = new ArrayList<>();
        boolean ready;

        Worker(int index, JvmProcess process, MessageQueue tasks, QueueProducer producer) {
            this.index = index;
            this.process = process;
            this.tasks = tasks;
            this.producer = producer;
        }
    }

    /** A job: one task, or one chunk of a map, and where it is. */
    private record Job(long id, Class<?> task, Object description, byte[] payload, CompletableFuture<Object> future,
            boolean single, int pinnedWorker, int[] attempts) {
        Job(long id, Class<?> task, Object description, byte[] payload, CompletableFuture<Object> future, boolean single,
                int pinned) {
            this(id, task, description, payload, future, single, pinned, new int[1]);
        }
    }

    private Worker startWorker(int index) {
        MessageQueue tasks = MessageQueue.create(dir, "pool-tasks-" + index, QueueOptions.oneProducer(TASK_QUEUE_CAPACITY));
        try {
            // daemon, as Python's pool workers are: a pool left open does not hold up this JVM's exit
            JvmProcess.Builder b = JvmProcess.builder(PoolWorker.class).daemon()
                    .jvmOptions(config.jvmOptions.toArray(String[]::new))
                    .args(dir.path().toString(), tasks.name(), results.name(), Integer.toString(index),
                            Long.toString(ProcessHandle.current().pid()), Long.toString(ProcessLiveness.selfStartTicks()));
            config.environment.forEach(b::environment);
            if (config.quiet) {
                b.captureOutput();
            }
            return new Worker(index, b.start(), tasks, tasks.producer());
        } catch (RuntimeException | Error e) {
            tasks.close();
            throw e;
        }
    }

    private synchronized void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            if (broken != null) {
                throw broken;
            }
            boolean all = true;
            for (Worker w : workers) {
                all &= w.ready;
            }
            if (all) {
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("the pool's workers were not ready within " + timeout.toMillis() + " ms");
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    private void warmUp() throws InterruptedException {
        List<CompletableFuture<Object>> runs = new ArrayList<>();
        synchronized (this) {
            for (Worker w : workers) {
                for (int i = 0; i < config.warmUpTimes; i++) {
                    long id = nextJob++;
                    CompletableFuture<Object> f = new CompletableFuture<>();
                    pending.add(new Job(id, config.warmUpTask, "warm-up " + new Description(config.warmUpTask, List.of(config.warmUpArgument)),
                            PoolProtocol.job(id, config.warmUpTask.getName(), Collections.singletonList(config.warmUpArgument)), f,
                            true, w.index));
                    runs.add(f);
                }
            }
            dispatch();
        }
        for (CompletableFuture<Object> f : runs) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("the pool's warm-up task failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /** Sends pending jobs to workers with room. Called holding the lock. */
    private void dispatch() {
        for (Iterator<Job> it = pending.iterator(); it.hasNext(); ) {
            Job job = it.next();
            Worker target = null;
            for (Worker w : workers) {
                if (w != null && w.ready && w.jobs.size() < JOBS_PER_WORKER && w.process.isAlive()
                        && (job.pinnedWorker() < 0 || job.pinnedWorker() == w.index)
                        && (target == null || w.jobs.size() < target.jobs.size())) {
                    target = w;
                }
            }
            if (target == null) {
                if (job.pinnedWorker() < 0) {
                    return; // every worker is busy: the rest waits, in order
                }
                continue;
            }
            if (!target.producer.offer(PoolProtocol.JOB, job.payload())) {
                return; // its queue is full (cannot happen with two jobs in hand); retried on the next result
            }
            it.remove();
            target.jobs.add(job);
            inFlight.put(job.id(), job);
        }
    }

    // ------------------------------------------------------------------ the collector thread

    private void collect() {
        try {
            while (true) {
                QueueConsumer.Message m;
                try {
                    m = resultConsumer.take(Duration.ofMillis(20));
                } catch (EndOfStreamException noProducerNow) {
                    m = null; // between a dead worker and its replacement nobody produces: not the end
                    Thread.sleep(1);
                }
                List<Runnable> completions = new ArrayList<>();
                synchronized (this) {
                    if (terminated) {
                        return;
                    }
                    while (m != null) {
                        handle(m, completions);
                        m = resultConsumer.poll();
                    }
                    checkWorkers(completions);
                    dispatch();
                    notifyAll();
                }
                completions.forEach(Runnable::run); // outside the lock

            }
        } catch (InterruptedException e) {
            // terminate() or close() ended the pool
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                broken = new IllegalStateException("the pool's collector failed: " + e, e);
                failAll(broken);
                notifyAll();
            }
        }
    }

    /**
     * Adds what completes {@code future}: run by the collector if nothing depends on the future
     * (a waiting {@code get()} is only woken), else on a callback thread, so that a dependent
     * action that waits on the pool cannot stop the thread that reads its results.
     */
    private void complete(CompletableFuture<?> future, Runnable completion, List<Runnable> completions) {
        completions.add(future.getNumberOfDependents() == 0 ? completion : () -> callbacks.execute(completion));
    }

    /** The worker (current, or dead and awaiting judgement) that sent a message, or null for one long gone. */
    private Worker sender(int index, long pid) {
        Worker w = index >= 0 && index < workers.length ? workers[index] : null;
        if (w != null && w.process.pid() == pid) {
            return w;
        }
        for (Dying d : dying) {
            if (d.worker.process.pid() == pid) {
                return d.worker;
            }
        }
        return null;
    }

    private void handle(QueueConsumer.Message m, List<Runnable> completions) {
        DataInputStream in = PoolProtocol.reader(m.payload());
        Job job;
        Worker w;
        long pid;
        try {
            int index = in.readInt();
            pid = in.readLong();
            w = sender(index, pid);
            if (w == null) {
                return; // from a worker judged and replaced already: its jobs went elsewhere
            }
            if (m.type() == PoolProtocol.READY) {
                w.ready = true;
                return;
            }
            job = inFlight.get(in.readLong());
            if (job == null || !w.jobs.contains(job)) {
                return;
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("a malformed message in the pool's result queue: " + e, e);
        }
        CompletableFuture<Object> future = job.future();
        Runnable completion;
        try {
            if (m.type() == PoolProtocol.DONE) {
                List<Object> values = PoolProtocol.readValues(in, loaderOf(job.task()), ValueCodec.Attacher.openingInto(new ArrayList<>()));
                Object value = job.single() ? values.getFirst() : values;
                completion = () -> future.complete(value);
            } else {
                PoolProtocol.Failure f = PoolProtocol.readFailure(in);
                String what = job.description() + (f.index() > 0 ? " (argument " + f.index() + " of its chunk)" : "");
                RemoteTaskException e = new RemoteTaskException(what, pid, f.type(), f.message(), f.frames());
                completion = () -> future.completeExceptionally(e);
            }
        } catch (IOException | RuntimeException e) {
            // the job's answer cannot be read here (a result whose segment is gone, a record this JVM refuses): that job fails
            IllegalStateException failure = new IllegalStateException("the result of " + job.description()
                    + " cannot be read in the pool's JVM: " + e, e);
            completion = () -> future.completeExceptionally(failure);
        }
        w.jobs.remove(job);
        inFlight.remove(job.id());
        complete(future, completion, completions);
    }

    private static ClassLoader loaderOf(Class<?> task) {
        return task.getClassLoader() != null ? task.getClassLoader() : ClassLoader.getSystemClassLoader();
    }

    /** A dead worker whose jobs are judged once the result queue's consumer has passed {@code resultsTail}. */
    private record Dying(Worker worker, long resultsTail, String how, String output) {
    }

    private final List<Dying> dying = new ArrayList<>();

    /**
     * Finds dead workers and starts their replacements at once; judges their jobs once every
     * message committed to the result queue before the death was seen has been read (a live
     * worker's half-written message can hold the consumer back, and a dead worker's answer may
     * be behind it). Holding the lock.
     */
    private void checkWorkers(List<Runnable> completions) {
        for (int i = 0; i < workers.length; i++) {
            Worker w = workers[i];
            if (w == null || w.process.isAlive() || (closing && w.jobs.isEmpty() && pending.isEmpty())) {
                continue;
            }
            String how = describeEnd(w.process);
            String output = w.process.output();
            if (!w.ready) {
                broken = new IllegalStateException("pool worker " + i + " (pid " + w.process.pid() + ") " + how
                        + " before it was ready" + (output.isBlank() ? "" : "; its output:\n" + tail(output)));
                failAll(broken);
                return;
            }
            dying.add(new Dying(w, results.status().tail(), how, output));
            workers[i] = terminated || shuttingDown ? null : startWorker(i);
        }
        if (!dying.isEmpty()) {
            long head = results.status().head();
            for (var it = dying.iterator(); it.hasNext(); ) {
                Dying d = it.next();
                if (head - d.resultsTail() >= 0) {
                    judge(d, completions);
                    it.remove();
                }
            }
        }
    }

    /**
     * The jobs a dead worker held: those still in its task queue were never taken, and go back to
     * the front of the pending jobs; it takes a job only after answering the one before, so of
     * the others (at most one) it was running the oldest: retried, or failed.
     */
    private void judge(Dying d, List<Runnable> completions) {
        Worker w = d.worker();
        int untaken = (int) Math.min(w.jobs.size(), w.tasks.status().depthMessages());
        int taken = w.jobs.size() - untaken;
        for (int j = w.jobs.size() - 1; j >= 0; j--) {
            Job job = w.jobs.get(j);
            inFlight.remove(job.id());
            if (j >= taken || job.attempts()[0]++ < config.retries) {
                pending.addFirst(job);
            } else {
                WorkerDiedException e = new WorkerDiedException(job.description() + " was running in pool worker " + w.index
                        + " (pid " + w.process.pid() + "), which " + d.how()
                        + (d.output().isBlank() ? "" : "; its last output:\n" + tail(d.output())), w.process.pid());
                complete(job.future(), () -> job.future().completeExceptionally(e), completions);
            }
        }
        w.jobs.clear();
        w.producer.close();
        w.tasks.close(); // temporary: unlinked
        w.process.close();
    }

    private static String describeEnd(JvmProcess process) {
        try {
            process.join(Duration.ofMillis(200)); // dead: only its output pipes may still be draining
            return process.exitSignal().isPresent() ? "was killed by signal " + process.exitSignal().getAsInt()
                    : "exited with " + process.exitCode();
        } catch (InterruptedException | IllegalStateException e) {
            return "died";
        }
    }

    private static String tail(String output) {
        return output.length() > 4000 ? output.substring(output.length() - 4000) : output;
    }

    private void failAll(RuntimeException why) {
        List<Job> all = new ArrayList<>(pending);
        all.addAll(inFlight.values());
        pending.clear();
        inFlight.clear();
        for (Worker w : workers) {
            if (w != null) {
                w.jobs.clear();
            }
        }
        dying.forEach(d -> d.worker().jobs.clear());
        all.forEach(j -> j.future().completeExceptionally(why));
    }

    // ------------------------------------------------------------------ closing

    /**
     * Refuses new tasks, waits for every submitted task to finish or fail, ends the workers
     * (they finish what they hold and exit), waits for them, and removes the pool's segments.
     * Idempotent.
     */
    @Override
    public void close() {
        boolean interrupted = false;
        synchronized (this) {
            if (terminated) {
                return;
            }
            closing = true;
            while (broken == null && (!pending.isEmpty() || !inFlight.isEmpty())) {
                try {
                    wait(100);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
            for (Worker w : workers) {
                if (w != null) {
                    w.producer.close(); // end of stream: the worker exits once its queue is empty
                }
            }
        }
        for (Worker w : workers) {
            if (w != null) {
                try {
                    if (!w.process.join(Duration.ofSeconds(30))) {
                        w.process.kill();
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        terminate();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Kills every worker at once, fails every unfinished future with a
     * {@link CancellationException}, and removes the pool's segments. Idempotent.
     */
    public void terminate() {
        synchronized (this) {
            if (terminated) {
                return;
            }
            terminated = true;
            closing = true;
            failAll(new CancellationException("the pool was terminated"));
            notifyAll();
        }
        if (collector != null) {
            collector.interrupt();
            try {
                collector.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<Worker> all = new ArrayList<>();
        synchronized (this) {
            for (Worker w : workers) {
                if (w != null) {
                    all.add(w);
                }
            }
            dying.forEach(d -> all.add(d.worker()));
            dying.clear();
        }
        for (Worker w : all) {
            w.process.close();
            w.producer.close();
            w.tasks.close();
        }
        resultConsumer.close();
        results.close();
        callbacks.shutdown();
        OPEN.remove(this);
    }

    @Override
    public synchronized String toString() {
        return "Pool[" + workers.length + " workers " + workerPids() + ", " + pending.size() + " pending, " + inFlight.size()
                + " running" + (terminated ? ", terminated" : closing ? ", closing" : "") + "]";
    }

    /** Configures a {@link Pool}. Not thread-safe. */
    public static final class Builder {
        private int workers = Runtime.getRuntime().availableProcessors();
        private final List<String> jvmOptions = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private int retries;
        private boolean quiet;
        private Duration startTimeout = Duration.ofMinutes(2);
        private Class<?> warmUpTask;
        private Object warmUpArgument;
        private int warmUpTimes;

        private Builder() {
        }

        /** Number of worker JVMs (default: the number of processors). */
        public Builder workers(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("a pool needs at least one worker, not " + count);
            }
            workers = count;
            return this;
        }

        /** JVM options of every worker, such as {@code -Xmx1g} or {@code -XX:+UseParallelGC}. */
        public Builder jvmOptions(String... options) {
            jvmOptions.addAll(List.of(options));
            return this;
        }

        /** An environment variable of every worker. */
        public Builder environment(String name, String value) {
            environment.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
            return this;
        }

        /** How many times a job whose worker died is submitted again before it fails (default 0). */
        public Builder retries(int times) {
            if (times < 0) {
                throw new IllegalArgumentException("retries must be 0 or more, not " + times);
            }
            retries = times;
            return this;
        }

        /** Keeps the workers' output (for failures) without printing it here (default: printed and kept). */
        public Builder quiet() {
            quiet = true;
            return this;
        }

        /** How long {@link #start()} waits for the workers to be ready (default 2 minutes). */
        public Builder startTimeout(Duration timeout) {
            startTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /**
         * Runs {@code task} on {@code argument} {@code times} times in every worker before
         * {@link #start()} returns, so that its loops are compiled before anything is timed.
         */
        public <A> Builder warmUp(Class<? extends Task<A, ?>> task, A argument, int times) {
            checkTask(task);
            warmUpTask = task;
            warmUpArgument = argument;
            warmUpTimes = times;
            return this;
        }

        /**
         * Starts the workers and returns once every one is ready (and warmed up).
         *
         * @throws IllegalStateException if a worker died or was not ready in time, with its output
         */
        public Pool start() throws InterruptedException {
            return new Pool(this);
        }
    }
}
