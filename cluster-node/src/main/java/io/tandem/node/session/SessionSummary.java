package io.tandem.node.session;

import java.util.Map;

/** A session as the HTTP API shows it, whatever its kind; {@code exists} false: never created. */
public record SessionSummary(
    boolean exists,
    long seq,
    String epoch,
    Map<String, MemberInfo> members,
    long created,
    long lastActivity) {}
