package io.tandem.node.session;

import io.tandem.persistence.CborSerializable;
import java.util.Map;

/**
 * A session as the HTTP API shows it, whatever its kind; {@code exists} false: never created. For
 * recordings, {@code liveBufferBytes} and {@code droppedBytes} tell the memory held for late
 * joiners and what the bound dropped from it (null for rooms). {@code node} is the cluster address
 * ({@code host:port}) of the node the session's entity runs on. {@code tickHz} is a room's tick
 * rate (null for recordings).
 */
public record SessionSummary(
    boolean exists,
    long seq,
    String epoch,
    Map<String, MemberInfo> members,
    long created,
    long lastActivity,
    Long liveBufferBytes,
    Long droppedBytes,
    Boolean ended,
    String node,
    Integer tickHz)
    implements CborSerializable {}
