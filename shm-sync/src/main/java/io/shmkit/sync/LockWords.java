package io.shmkit.sync;

import io.shmkit.core.Layouts;
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

    private LockWords(MemorySegment segment, SharedObject container, String description, boolean ownsContainer) {
        this.segment = segment;
        this.container = container;
        this.description = description;
        this.ownsContainer = ownsContainer;
    }

    /** A whole named lock segment, closed with the lock. */
    static LockWords named(String kind, SharedStructBase<?> struct, long length) {
        return new LockWords(struct.asSegment().asSlice(0, length), struct, kind + " '" + struct.name() + "'", true);
    }

    /** Words in the header lock area of {@code object}. */
    static LockWords builtIn(String kind, SharedObject object, long offset, long length) {
        return new LockWords(object.lockArea().asSlice(offset, length), object, "built-in " + kind + " of segment '" + object.name() + "'", false);
    }

    /** Words at a byte offset of {@code object}'s data. */
    static LockWords at(String kind, SharedObject object, long offset, long length) {
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
        return at(kind, structs, index * structs.stride() + structs.fieldOffset(path), field.byteSize()).renamed(where);
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
