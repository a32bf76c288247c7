package io.tandem.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class CommonPoolTest {

  @Test
  void testJvmsRunWithAtLeastTwoCommonPoolThreads() {
    // surefire's argLine sets the property, as every launcher does; without it this fails on 2 CPUs
    assertTrue(ForkJoinPool.getCommonPoolParallelism() >= CommonPool.MIN_PARALLELISM);
    assertTrue(CommonPool.check(LoggerFactory.getLogger(CommonPoolTest.class)));
  }

  @Test
  void ensureKeepsWhatALauncherSet() {
    String before = System.getProperty(CommonPool.PROPERTY);
    CommonPool.ensure();
    assertEquals(before, System.getProperty(CommonPool.PROPERTY));
  }
}
