package io.tandem.node.http;

import io.tandem.node.testing.OneNodeTest;

/** ExportTest's tests with the node's port served by the Netty transport. */
class ExportOnNettyTest extends ExportTest {
  @Override
  protected String transportConfig() {
    return OneNodeTest.NETTY;
  }
}
