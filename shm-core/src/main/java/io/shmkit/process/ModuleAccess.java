package io.shmkit.process;

/**
 * What a program on the module path declares so that shmkit may reach one of its classes
 * reflectively (a target method, a record's constructor and accessors): core reflection needs no
 * read edge, but a member that is not public in an exported package can be made accessible only
 * to a module its package is open to.
 */
final class ModuleAccess {
    private ModuleAccess() {
    }

    /**
     * The declaration that lets {@code reader} reach the members of {@code type}, as a clause to
     * append to a message ("; module app must open ..."), or the empty string when {@code type}
     * is not in a named module (the class path opens everything).
     */
    static String hint(Class<?> type, Module reader) {
        Module module = type.getModule();
        if (!module.isNamed() || module.isOpen(type.getPackageName(), reader)) {
            return "";
        }
        String pkg = type.getPackageName();
        String to = reader.isNamed() ? reader.getName() : "ALL-UNNAMED";
        return "; module " + module.getName() + " must open package " + pkg + " to " + (reader.isNamed() ? "module "
                + to : "the class path") + ": add 'opens " + pkg + (reader.isNamed() ? " to " + to : "") + ";' to its"
                + " module-info.java, or run with --add-opens " + module.getName() + "/" + pkg + "=" + to;
    }
}
