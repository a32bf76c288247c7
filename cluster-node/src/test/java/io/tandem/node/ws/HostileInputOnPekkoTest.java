package io.tandem.node.ws;

import io.tandem.node.testing.OneNodeTest;

/** HostileInputTest's tests with the node's port served by the Netty transport. */
class HostileInputOnNettyTest extends HostileInputTest {
  @Override
  protected String transportConfig() {
    return OneNodeTest.NETTY;
  }
}
