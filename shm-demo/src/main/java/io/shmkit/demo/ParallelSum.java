package io.shmkit.demo;

public final class ParallelSum {
    public static void main(String[] args) {
        System.out.println("java " + Runtime.version() + " args " + String.join(",", args));
    }
}
