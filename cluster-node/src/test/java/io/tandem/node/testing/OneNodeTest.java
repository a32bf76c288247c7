package io.tandem.node.testing;

import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class with a node of its own: one in-JVM node on the class's own keyspace of the real test
 * Cassandra, started before the class's tests and stopped after them. A subclass gives its config
 * overrides (HOCON lines) to the constructor; its own {@code @BeforeAll} methods run after the node
 * is up. A subclass that runs the same tests on the other transport (Pekko HTTP; Netty is the
 * default) overrides {@link #transportConfig()}.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class OneNodeTest {
  /**
   * The line that serves a node's port with Pekko HTTP instead of Netty (tandem.http.transport).
   */
  public static final String PEKKO = "tandem.http.transport = \"pekko\"";

  private final String config;

  /** The class's node, up for its tests. */
  protected TestNode node;

  protected OneNodeTest(String... configLines) {
    this.config = String.join("\n", configLines);
  }

  @BeforeAll
  final void startNode(CassandraTestConfig cassandra) throws Exception {
    node = TestNode.start(cassandra, config + "\n" + transportConfig());
  }

  /** Config appended after the constructor's lines: {@link #PEKKO} to run on that transport. */
  protected String transportConfig() {
    return "";
  }

  @AfterAll
  final void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }
}
