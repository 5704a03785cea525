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
     * The one static method of {@code owner} named {@code name} that accepts {@code args}.
     *
     * @throws IllegalArgumentException naming the candidates when there is none or more than one
     */
    static Method resolve(Class<?> owner, String name, List<?> args) {
        List<Method> named = new ArrayList<>();
        for (Class<?> c = owner; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getName().equals(name) && Modifier.isStatic(m.getModifiers()) && !m.isSynthetic()) {
                    named.add(m);
                }
            }
        }
        List<Method> fitting = named.stream().filter(m -> accepts(m, args)).toList();
        if (fitting.size() == 1) {
            Method m = fitting.getFirst();
            try {
                m.setAccessible(true);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("target " + owner.getName() + "." + name + " is not accessible: " + e.getMessage(), e);
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

    static String signature(Method m) {
        return m.getName() + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", ", "(", ")"));
    }
}
