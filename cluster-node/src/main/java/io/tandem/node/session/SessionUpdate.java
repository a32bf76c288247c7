package io.tandem.node.session;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.tandem.node.recording.RecordedBatch;
import io.tandem.node.recording.RecordingEnded;
import io.tandem.node.room.RoomChange;
import io.tandem.persistence.CborSerializable;

/**
 * One durable change of a session, as entities publish it to subscribed nodes and keep it for
 * resumes. Every update has the session's next {@code seq}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
@JsonSubTypes({
  @JsonSubTypes.Type(value = RoomChange.class, name = "room-change"),
  @JsonSubTypes.Type(value = RecordedBatch.class, name = "recorded-batch"),
  @JsonSubTypes.Type(value = RecordingEnded.class, name = "recording-ended"),
  @JsonSubTypes.Type(value = io.tandem.node.map.MapChange.class, name = "map-change")
})
public interface SessionUpdate extends CborSerializable {
  /** The seq of the change (for a batch of several, the last one's). */
  long seq();

  /** The seq of the first change it carries (several for a recording batch). */
  default long firstSeq() {
    return seq();
  }

  /** Server time (epoch ms) of the change. */
  long ts();

  /** The part of this update after {@code since}: itself, or a slice of a batch. */
  default SessionUpdate after(long since) {
    return this;
  }
}
