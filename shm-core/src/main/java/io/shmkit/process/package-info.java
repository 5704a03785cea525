/** Child JVMs on the current class path: the analog of Python's {@code multiprocessing.Process}. */
package io.shmkit.process;
