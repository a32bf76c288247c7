package io.tandem.node.http;

import io.tandem.node.testing.OneNodeTest;

/** {@link IdleConnectionTest}'s tests with the node's port served by the Netty transport. */
class IdleConnectionOnNettyTest extends IdleConnectionTest {
  @Override
  protected String transportConfig() {
    return OneNodeTest.NETTY;
  }
}
