package io.shmkit.process;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Finds the static method a target names, for the arguments given, the same way in parent and child. */
final class TargetMethod {
    private static final Map<Class<?>, Class<?>> BOXES = Map.of(boolean.class, Boolean.class, byte.class, Byte.class,
            short.class, Short.class, char.class, Character.class, int.class, Integer.class, long.class, Long.class,
            float.class, Float.class, double.class, Double.class);
    /** Primitive widening (JLS 5.1.2), which {@link Method#invoke} applies after unboxing. */
    private static final Map<Class<?>, List<Class<?>>> WIDENS_TO = Map.of(
            Byte.class, List.of(short.class, int.class, long.class, float.class, double.class),
            Short.class, List.of(int.class, long.class, float.class, double.class),
            Character.class, List.of(int.class, long.class, float.class, double.class),
            Integer.class, List.of(long.class, float.class, double.class),
            Long.class, List.of(float.class, double.class),
            Float.class, List.of(double.class));

    private TargetMethod() {
    }

    /**
     * The static method of {@code owner} (or a superclass, unless hidden or private there) named
     * {@code name} that accepts {@code args}, the most specific one as javac would choose
     * ({@code f(int)} over {@code f(long)} for an {@code Integer}); a varargs method takes its
     * array as one argument.
     *
     * @throws IllegalArgumentException naming the candidates when there is none or more than one
     */
    static Method resolve(Class<?> owner, String name, List<?> args) {
        List<Method> named = new ArrayList<>();
        for (Class<?> c = owner; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                boolean inherited = c == owner || !Modifier.isPrivate(m.getModifiers());
                boolean hidden = named.stream().anyMatch(n -> Arrays.equals(n.getParameterTypes(), m.getParameterTypes()));
                if (m.getName().equals(name) && Modifier.isStatic(m.getModifiers()) && !m.isSynthetic() && inherited && !hidden) {
                    named.add(m);
                }
            }
        }
        List<Method> fitting = named.stream().filter(m -> accepts(m, args)).toList();
        // as javac chooses: the one whose parameters are each at least as specific as every other's
        List<Method> best = fitting.stream()
                .filter(m -> fitting.stream().allMatch(n -> n == m || moreSpecific(m, n))).toList();
        if (best.size() == 1) {
            Method m = best.getFirst();
            try {
                m.setAccessible(true);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("target " + owner.getName() + "." + name + " is not accessible: " + e.getMessage()
                        + ModuleAccess.hint(m.getDeclaringClass(), TargetMethod.class.getModule()), e);
            }
            return m;
        }
        String given = args.stream().map(a -> a == null ? "null" : a.getClass().getSimpleName()).collect(Collectors.joining(", "));
        if (named.isEmpty()) {
            throw new IllegalArgumentException(owner.getName() + " has no static method named '" + name + "'");
        }
        throw new IllegalArgumentException(owner.getName() + "." + name + (fitting.isEmpty() ? " does not accept (" : " is ambiguous for (")
                + given + "); static methods named so: " + named.stream().map(TargetMethod::signature).collect(Collectors.joining("; ")));
    }

    private static boolean accepts(Method m, List<?> args) {
        Class<?>[] params = m.getParameterTypes();
        if (params.length != args.size()) {
            return false;
        }
        for (int i = 0; i < params.length; i++) {
            Object a = args.get(i);
            Class<?> p = params[i];
            if (p.isPrimitive()) {
                if (a == null || !(BOXES.get(p) == a.getClass() || WIDENS_TO.getOrDefault(a.getClass(), List.of()).contains(p))) {
                    return false;
                }
            } else if (a != null && !p.isInstance(a)) {
                return false;
            }
        }
        return true;
    }

    /** Whether every parameter of {@code m} converts to {@code n}'s (a subtype, or a primitive that widens). */
    private static boolean moreSpecific(Method m, Method n) {
        Class<?>[] a = m.getParameterTypes();
        Class<?>[] b = n.getParameterTypes();
        for (int i = 0; i < a.length; i++) {
            boolean ok = a[i] == b[i]
                    || (a[i].isPrimitive() && b[i].isPrimitive() && WIDENS_TO.getOrDefault(BOXES.get(a[i]), List.of()).contains(b[i]))
                    || (a[i].isPrimitive() && !b[i].isPrimitive() && b[i].isAssignableFrom(BOXES.get(a[i])))
                    || (!a[i].isPrimitive() && !b[i].isPrimitive() && b[i].isAssignableFrom(a[i]));
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static String signature(Method m) {
        return m.getName() + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", ", "(", ")"));
    }
}
