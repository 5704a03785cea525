package io.shmkit.sync;

import io.shmkit.core.Layouts;
import io.shmkit.core.ProcessIdentity;
import io.shmkit.core.ProcessLiveness;
import io.shmkit.core.SegmentDescriptor;
import io.shmkit.core.SharedObject;
import io.shmkit.core.SharedStructBase;
import io.shmkit.core.SharedStructArray;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Where one lock's words are: a slice of a mapped segment, the segment it belongs to, and a
 * description for messages. Also turns the FFM API's anonymous failures (closed arena,
 * read-only mapping) into messages that name the lock and its segment.
 */
final class LockWords {
    // Exact invocation: a call whose argument or result types differ from the handle's (an
    // int offset, say) throws instead of silently taking the slow, adapting path.
    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle().withInvokeExactBehavior();
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle().withInvokeExactBehavior();

    final MemorySegment segment;
    final SharedObject container;
    final String description;
    /** Whether closing the lock closes {@link #container}: true for named lock segments. */
    final boolean ownsContainer;
    /** Whether only this user's processes can use the lock: see {@link SharedObject#isPrivateToUser()}. */
    final boolean privateToUser;

    private LockWords(MemorySegment segment, SharedObject container, String description, boolean ownsContainer) {
        this.segment = segment;
        this.container = container;
        this.description = description;
        this.ownsContainer = ownsContainer;
        this.privateToUser = container.isPrivateToUser();
    }

    /**
     * Refuses to run a lock whose words may hold pids of another pid namespace, start times of
     * another time namespace or boot, or whose holders' liveness this process cannot read
     * correctly: a lock word's pid would then name the wrong process, and a live holder could be
     * taken for dead. The segment's header records its creator's namespaces and boot.
     */
    private LockWords checked() {
        ProcessIdentity creator = container.info().creator();
        ProcessIdentity self = ProcessIdentity.current();
        String refusal = null;
        if (ProcessLiveness.procIsForeign()) {
            refusal = ProcessLiveness.problem() + "; holders' pids cannot be checked from here";
        } else if (!self.sameHostView(creator)) {
            String what = creator.bootId() != null && self.bootId() != null && !creator.bootId().equals(self.bootId())
                    ? "another boot (" + creator.bootId() + "; this is " + self.bootId() + "): its lock words may"
                            + " name processes of that boot; recreate the segment to use its locks"
                    : "another pid or time namespace (segment: pid namespace " + creator.pidNamespace() + ", time namespace "
                            + creator.timeNamespace() + "; this process: " + self.pidNamespace() + ", " + self.timeNamespace()
                            + "): the pids and start times in its lock words mean other processes here";
            refusal = "segment '" + container.name() + "' was created by pid " + creator.pid() + " in " + what;
        }
        if (refusal != null) {
            if (ownsContainer) {
                container.close();
            }
            throw new IllegalStateException(description + ": refusing to take part in the lock: " + refusal);
        }
        return this;
    }

    /** Where the words start in the segment's file, for keying this JVM's state of the lock. */
    long offsetInFile() {
        return segment.address() - (container.lockArea().address() - SegmentDescriptor.LOCK_AREA_OFFSET);
    }

    /** A whole named lock segment, closed with the lock. */
    static LockWords named(String kind, SharedStructBase<?> struct, long length) {
        return new LockWords(struct.asSegment().asSlice(0, length), struct, kind + " '" + struct.name() + "'", true).checked();
    }

    /** Words in the header lock area of {@code object}. */
    static LockWords builtIn(String kind, SharedObject object, long offset, long length) {
        return new LockWords(object.lockArea().asSlice(offset, length), object, "built-in " + kind + " of segment '"
                + object.name() + "'", false).checked();
    }

    /** Words at a byte offset of {@code object}'s data. */
    static LockWords at(String kind, SharedObject object, long offset, long length) {
        return place(kind, object, offset, length).checked();
    }

    private static LockWords place(String kind, SharedObject object, long offset, long length) {
        MemorySegment data = object.asSegment();
        String where = kind + " at offset " + offset + " of segment '" + object.name() + "'";
        if (offset < 0 || offset > data.byteSize() - length) {
            throw new IndexOutOfBoundsException(where + ": needs " + length + " bytes, the segment's data has "
                    + data.byteSize());
        }
        if (offset % LockDescriptor.ALIGNMENT != 0) {
            throw new IllegalArgumentException(where + ": lock words need " + LockDescriptor.ALIGNMENT
                    + "-byte alignment for atomic access");
        }
        return new LockWords(data.asSlice(offset, length), object, where, false);
    }

    /** Words in the field {@code path} of struct {@code index}, checked to have {@code stateType}'s layout. */
    static LockWords in(String kind, SharedStructBase<?> structs, long index, String path, Class<? extends Record> stateType) {
        long count = structs instanceof SharedStructArray<?> array ? array.length() : 1;
        String where = kind + " in field '" + path + "' of " + (structs instanceof SharedStructArray<?> ? "struct " + index + " of " : "")
                + "segment '" + structs.name() + "'";
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException(where + ": index out of range for " + count + " structs");
        }
        MemoryLayout field = structs.fieldLayout(path);
        String need = Layouts.describe(Layouts.of(stateType));
        String have = Layouts.describe(field);
        if (!shape(need).equals(shape(have))) {
            throw new IllegalArgumentException(where + ": the field is " + have + ", a " + kind + " needs " + need
                    + " (declare it as " + stateType.getSimpleName() + ")");
        }
        return place(kind, structs, index * structs.stride() + structs.fieldOffset(path), field.byteSize()).renamed(where).checked();
    }

    /** The layout text without the struct's own name, which nested fields do not carry. */
    private static String shape(String layoutText) {
        int brace = layoutText.indexOf('{');
        return brace < 0 ? layoutText : layoutText.substring(brace);
    }

    private LockWords renamed(String newDescription) {
        return new LockWords(segment, container, newDescription, ownsContainer);
    }

    /**
     * What an access failure means for this lock. FFM reports a closed segment as a bare
     * IllegalStateException and a write to a read-only mapping as IllegalArgumentException;
     * every other exception passes through.
     */
    RuntimeException failure(RuntimeException e) {
        if (e instanceof IllegalStateException && !(e instanceof OwnerDiedException) && container.isClosed()) {
            return new IllegalStateException(description + " is closed (segment '" + container.name() + "' was closed)", e);
        }
        if (container.isReadOnly() && (e instanceof UnsupportedOperationException
                || (e instanceof IllegalArgumentException && String.valueOf(e.getMessage()).contains("read-only")))) {
            return new UnsupportedOperationException(description + ": segment '" + container.name()
                    + "' is attached read-only, and taking a lock writes its words", e);
        }
        return e;
    }

    void close() {
        if (ownsContainer) {
            container.close();
        }
    }
}
