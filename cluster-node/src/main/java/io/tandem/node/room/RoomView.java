package io.tandem.node.room;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.session.SessionState;
import java.util.Map;

/** The durable state of a room for a snapshot: its document and shared objects. */
public record RoomView(ObjectNode doc, Map<String, ObjectView> objects) implements SessionState {}
