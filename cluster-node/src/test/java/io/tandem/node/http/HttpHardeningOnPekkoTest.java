package io.tandem.node.http;

import io.tandem.node.testing.OneNodeTest;

/** HttpHardeningTest's tests with the node's port served by the Pekko HTTP transport. */
class HttpHardeningOnPekkoTest extends HttpHardeningTest {
  @Override
  protected String transportConfig() {
    return OneNodeTest.PEKKO;
  }
}
