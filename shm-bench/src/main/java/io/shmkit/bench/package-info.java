/** JMH benchmarks of shmkit. */
package io.shmkit.bench;
