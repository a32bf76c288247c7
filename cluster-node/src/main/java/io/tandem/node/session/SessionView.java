package io.tandem.node.session;

import io.tandem.persistence.CborSerializable;
import java.util.Map;

/** A full snapshot of a session at {@code seq}: its state and its current members. */
public record SessionView(
    long seq, String epoch, SessionState state, Map<String, MemberInfo> members)
    implements CborSerializable {}
