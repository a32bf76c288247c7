package io.tandem.node.map;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.session.SessionState;
import java.util.Map;

/**
 * A map's state as a late joiner receives it in its {@code snapshot}: the entries of the first of
 * its {@code parts} (every entry when it is the only one; none when the state needed more than one
 * frame, then every entry is in the {@link io.tandem.node.session.Subscriber.MapPart}s that
 * follow). {@code version} names the state it was cut from: two views with the same seq and version
 * hold the same entries, so a hub may reuse the frames it built for the first.
 */
public record MapView(int parts, long version, Map<String, JsonNode> entries)
    implements SessionState {}
