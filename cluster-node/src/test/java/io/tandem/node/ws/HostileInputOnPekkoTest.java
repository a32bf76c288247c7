package io.tandem.node.ws;

import io.tandem.node.testing.OneNodeTest;

/** HostileInputTest's tests with the node's port served by the Pekko HTTP transport. */
class HostileInputOnPekkoTest extends HostileInputTest {
  @Override
  protected String transportConfig() {
    return OneNodeTest.PEKKO;
  }
}
