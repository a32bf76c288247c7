package io.tandem.persistence;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Starts an {@link EmbeddedCassandra}, prints {@code READY <cassandra pid>} and blocks: the parent
 * process that the orphan test kills with SIGKILL.
 *
 * <p>Arguments: data folder, native port, storage port.
 */
public final class OrphanLauncherMain {

  private OrphanLauncherMain() {}

  /** Starts Cassandra and waits forever. */
  public static void main(String[] args) throws InterruptedException {
    EmbeddedCassandra cassandra =
        EmbeddedCassandra.create(
            Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
    cassandra.start();
    System.out.println("READY " + cassandra.pid());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
