package io.tandem.node.ws;

import io.tandem.node.testing.OneNodeTest;

/** RoomWebSocketTest's tests with the node's port served by the Pekko HTTP transport. */
class RoomWebSocketOnPekkoTest extends RoomWebSocketTest {
  @Override
  protected String transportConfig() {
    return OneNodeTest.PEKKO;
  }
}
