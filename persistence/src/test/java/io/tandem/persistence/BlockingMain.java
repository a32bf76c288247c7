package io.tandem.persistence;

import java.util.concurrent.CountDownLatch;

/** A process that does nothing until it is killed: stands in for a leftover Cassandra. */
public final class BlockingMain {

  private BlockingMain() {}

  /** Blocks forever; the arguments only decorate the command line. */
  public static void main(String[] args) throws InterruptedException {
    System.out.println("BLOCKING");
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
