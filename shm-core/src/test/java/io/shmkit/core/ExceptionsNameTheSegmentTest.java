package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Calls every public instance method of every kind of shared object, and of the
 * {@link StructField} accessors, in the states a user gets wrong: closed, attached read-only,
 * and with every index argument out of range (negative, the length, {@code Long.MAX_VALUE}).
 * Whatever throws must name the segment. A method added later is covered without a change
 * here.
 */
class ExceptionsNameTheSegmentTest extends SegmentTestSupport {
    record Point(double x, double y) {
    }

    record Named(int id, @Length(4) String name) {
    }

    private static final long[] BAD_INDEXES = {-1, 3, Long.MAX_VALUE};
    private final List<String> problems = new ArrayList<>();
    private int calls;

    /** Makes a fresh object of each kind, 3 elements where there is a length. */
    private List<Function<Access, SharedObject>> kinds() {
        List<Function<Access, SharedObject>> kinds = new ArrayList<>();
        kinds.add(a -> reopen(SharedLong.create(dir, "long"), a, SharedLong::open));
        kinds.add(a -> reopen(SharedDouble.create(dir, "double"), a, SharedDouble::open));
        kinds.add(a -> reopen(SharedBoolean.create(dir, "bool"), a, SharedBoolean::open));
        kinds.add(a -> reopen(SharedChar.create(dir, "char"), a, SharedChar::open));
        kinds.add(a -> reopen(SharedIntArray.create(dir, "ints", 3), a, SharedIntArray::open));
        kinds.add(a -> reopen(SharedDoubleArray.create(dir, "doubles", 3), a, SharedDoubleArray::open));
        kinds.add(a -> reopen(SharedFloatArray.create(dir, "floats", 3), a, SharedFloatArray::open));
        kinds.add(a -> reopen(SharedByteArray.create(dir, "bytes", 3), a, SharedByteArray::open));
        kinds.add(a -> reopen(SharedBooleanArray.create(dir, "bools", 3), a, SharedBooleanArray::open));
        kinds.add(a -> reopen(SharedByteString.create(dir, "string", 3), a, SharedByteString::open));
        kinds.add(a -> reopen(SharedMemory.create(dir, "memory", 3), a, SharedMemory::open));
        kinds.add(a -> reopen(SharedStruct.create(dir, "point", Point.class), a, (d, n, x) -> SharedStruct.open(d, n, Point.class, x)));
        kinds.add(a -> reopen(SharedStructArray.create(dir, "named", Named.class, 3), a,
                (d, n, x) -> SharedStructArray.open(d, n, Named.class, x)));
        return kinds;
    }

    @FunctionalInterface
    interface Opener<T> {
        T open(SegmentDirectory dir, String name, Access access);
    }

    private <T extends SharedObject> SharedObject reopen(T created, Access access, Opener<T> opener) {
        if (access == Access.READ_WRITE) {
            return created;
        }
        created.close();
        return opener.open(dir, created.name(), access);
    }

    @Test
    void everyFailureOfEveryMethodNamesTheSegment() throws Exception {
        for (Function<Access, SharedObject> kind : kinds()) {
            SharedObject object = kind.apply(Access.READ_WRITE);
            callEverything(object, "bad index", BAD_INDEXES);
            object.close();
            callEverything(object, "closed", new long[] {0});
            dir.unlink(object.name());

            SharedObject readOnly = kind.apply(Access.READ_ONLY);
            callEverything(readOnly, "read-only", new long[] {0});
            readOnly.close();
            dir.unlink(readOnly.name());
        }
        try (var named = SharedStructArray.create(dir, "accessors", Named.class, 3)) {
            StructField.OfInt id = StructField.ofInt(Named.class, "id");
            for (long bad : BAD_INDEXES) {
                expectNamed("accessors", "StructField.get at " + bad, () -> id.get(named, bad));
                expectNamed("accessors", "StructField.set at " + bad, () -> {
                    id.set(named, bad, 1);
                    return null;
                });
            }
            named.close();
            expectNamed("accessors", "StructField.get closed", () -> id.get(named, 0));
        }
        System.out.println(calls + " calls checked");
        assertTrue(calls > 300, "too few calls to mean anything: " + calls);
        assertTrue(problems.isEmpty(), problems.size() + " failures without the segment's name:\n" + String.join("\n", problems));
    }

    private void callEverything(SharedObject object, String state, long[] indexes) {
        for (Method method : object.getClass().getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) || method.getDeclaringClass() == Object.class
                    || method.getName().equals("unlink")) {
                continue;
            }
            for (long index : indexes) {
                Object[] args = arguments(method, index);
                if (args == null) {
                    continue;
                }
                expectNamed(object.name(), object.getClass().getSimpleName() + "." + method.getName() + " " + state
                        + " with " + java.util.Arrays.toString(args), () -> method.invoke(object, args));
            }
        }
    }

    interface Call {
        Object call() throws Throwable;
    }

    private void expectNamed(String name, String what, Call call) {
        calls++;
        Throwable thrown;
        try {
            call.call();
            return;
        } catch (InvocationTargetException e) {
            thrown = e.getCause();
        } catch (Throwable t) {
            thrown = t;
        }
        if (thrown instanceof Error && !(thrown instanceof AssertionError)) {
            problems.add(what + ": " + thrown);
        } else if (thrown.getMessage() == null || !thrown.getMessage().contains("'" + name + "'")) {
            problems.add(what + ": " + thrown);
        }
    }

    /** Arguments for {@code method}: the index where a long goes, small valid values elsewhere; null if not callable. */
    private static Object[] arguments(Method method, long index) {
        Class<?>[] types = method.getParameterTypes();
        Object[] args = new Object[types.length];
        boolean usesIndex = false;
        for (int i = 0; i < types.length; i++) {
            Class<?> t = types[i];
            if (t == long.class) {
                args[i] = index;
                usesIndex = true;
            } else if (t == int.class) {
                args[i] = 0;
            } else if (t == double.class) {
                args[i] = 1.0;
            } else if (t == float.class) {
                args[i] = 1.0f;
            } else if (t == boolean.class) {
                args[i] = true;
            } else if (t == byte.class) {
                args[i] = (byte) 1;
            } else if (t == short.class) {
                args[i] = (short) 1;
            } else if (t == char.class) {
                args[i] = 'c';
            } else if (t == String.class) {
                args[i] = "ab";
            } else if (t.isArray() && t.getComponentType().isPrimitive()) {
                args[i] = java.lang.reflect.Array.newInstance(t.getComponentType(), 1);
            } else if (t == Record.class || t == Object.class) {
                args[i] = method.getDeclaringClass() == SharedStruct.class ? new Point(1, 2) : new Named(1, "ab");
            } else if (t.isInterface() && t.getName().startsWith("java.util.function")) {
                args[i] = identity(t);
            } else {
                return null;
            }
        }
        return args.length == 0 || usesIndex || index == BAD_INDEXES[0] || index == 0 ? args : null;
    }

    /** A functional interface whose method returns its first argument (or zero). */
    private static Object identity(Class<?> type) {
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, a) -> {
            if (m.getDeclaringClass() == Object.class) {
                return m.getName().equals("toString") ? "identity" : m.getName().equals("hashCode") ? 0 : proxy == a[0];
            }
            return a != null && a.length > 0 ? a[0] : null;
        });
    }
}
