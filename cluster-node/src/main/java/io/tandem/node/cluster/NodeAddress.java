package io.tandem.node.cluster;

import org.apache.pekko.actor.Address;

/**
 * How Tandem names a node everywhere a client or operator sees one: {@code welcome.node}, {@code
 * GET /v1/status} ({@code node}, {@code members[].address}, {@code leader}, the shard counts per
 * node) and a session's {@code node} in {@code GET /v1/sessions/{session}}. It is the node's
 * cluster address without the protocol, {@code <system>@<host>:<port>} (for example {@code
 * tandem@127.0.0.1:25520}), so that a client finds the node it is connected to among the status's
 * members by plain string comparison.
 */
public final class NodeAddress {
  private NodeAddress() {}

  /** {@code <system>@<host>:<port>} of {@code address}. */
  public static String of(Address address) {
    return address.hostPort();
  }
}
