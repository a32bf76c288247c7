package io.tandem.node.ws;

import io.tandem.node.testing.OneNodeTest;

/** SlowConsumerTest's tests with the node's port served by the Netty transport. */
class SlowConsumerOnNettyTest extends SlowConsumerTest {
  @Override
  protected String transportConfig() {
    return OneNodeTest.NETTY;
  }
}
