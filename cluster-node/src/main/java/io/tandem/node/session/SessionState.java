package io.tandem.node.session;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.tandem.node.recording.RecordingView;
import io.tandem.node.room.RoomView;
import io.tandem.persistence.CborSerializable;

/** The durable state of a session as a late joiner receives it in its snapshot. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
@JsonSubTypes({
  @JsonSubTypes.Type(value = RoomView.class, name = "room"),
  @JsonSubTypes.Type(value = RecordingView.class, name = "recording"),
  @JsonSubTypes.Type(value = io.tandem.node.map.MapView.class, name = "map")
})
public interface SessionState extends CborSerializable {}
