/** Named shared-memory segments with typed contents. */
package io.shmkit.core;
