package io.tandem.node.session;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.tandem.node.room.RoomChange;
import io.tandem.persistence.CborSerializable;

/**
 * One durable change of a session, as entities publish it to subscribed nodes and keep it for
 * resumes. Every update has the session's next {@code seq}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
@JsonSubTypes({@JsonSubTypes.Type(value = RoomChange.class, name = "room-change")})
public interface SessionUpdate extends CborSerializable {
  long seq();

  /** Server time (epoch ms) of the change. */
  long ts();
}
