package io.tandem.node.ws;

import io.tandem.node.testing.OneNodeTest;

/** RoomWebSocketTest's tests with the node's port served by the Netty transport. */
class RoomWebSocketOnNettyTest extends RoomWebSocketTest {
  @Override
  protected String transportConfig() {
    return OneNodeTest.NETTY;
  }
}
