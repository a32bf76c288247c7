package io.tandem.node.room;

import io.tandem.node.session.SessionUpdate;
import java.util.List;
import java.util.Map;

/**
 * A durable change of a room: either doc edits or object changes. In {@code objects} a null value
 * means the object was removed. {@code by} is the member id of the author (for a hold that ended by
 * leave, disconnect or expiry, the former holder).
 */
public record RoomChange(
    long seq, String by, long ts, List<DocEdit> ops, Map<String, ObjectView> objects)
    implements SessionUpdate {}
