package dev.ratchet.deploy;

import java.util.concurrent.CountDownLatch;

/**
 * A stand-in child process for {@link ProcessSupervisorTest}: {@code ready LINE} prints LINE and
 * then runs until stopped; {@code die CODE} writes to stderr and exits with CODE before any ready
 * line; {@code silent} prints nothing and runs until stopped.
 */
final class FakeChild {
    private FakeChild() {}

    public static void main(String[] args) throws InterruptedException {
        switch (args[0]) {
            case "ready" -> {
                System.out.println("starting up");
                System.out.println(args[1]);
                System.out.flush();
                new CountDownLatch(1).await();
            }
            case "die" -> {
                System.err.println("fake failure: cannot bind the port");
                System.exit(Integer.parseInt(args[1]));
            }
            case "silent" -> new CountDownLatch(1).await();
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
