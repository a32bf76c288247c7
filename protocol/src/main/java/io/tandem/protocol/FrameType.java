package io.tandem.protocol;

import static io.tandem.protocol.FrameType.Direction.BOTH;
import static io.tandem.protocol.FrameType.Direction.CLIENT_TO_SERVER;
import static io.tandem.protocol.FrameType.Direction.SERVER_TO_CLIENT;
import static io.tandem.protocol.FrameType.SessionRule.ECHOED;
import static io.tandem.protocol.FrameType.SessionRule.NONE;
import static io.tandem.protocol.FrameType.SessionRule.OPTIONAL;
import static io.tandem.protocol.FrameType.SessionRule.REQUIRED;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The one table of frame types of protocol v1: wire name, direction, whether the envelope carries a
 * {@code session}, whether it carries the client's {@code ref}, and the record class.
 *
 * <p>A wire name is unique per direction, not overall: {@code presence} from a client is {@link
 * Presence} (one member's presence), from the server {@link PresenceChanged} (the members map).
 *
 * <table>
 *   <caption>Frame types</caption>
 *   <tr><th>wire</th><th>direction</th><th>session</th><th>ref</th><th>record</th></tr>
 *   <tr><td>hello</td><td>client</td><td>-</td><td>yes</td><td>{@link Hello}</td></tr>
 *   <tr><td>join</td><td>client</td><td>required</td><td>yes</td><td>{@link Join}</td></tr>
 *   <tr><td>leave</td><td>client</td><td>required</td><td>yes</td><td>{@link Leave}</td></tr>
 *   <tr><td>op</td><td>client</td><td>required</td><td>yes</td><td>{@link Op}</td></tr>
 *   <tr><td>object</td><td>client</td><td>required</td><td>yes</td>
 *       <td>{@link ObjectAction}</td></tr>
 *   <tr><td>presence</td><td>client</td><td>required</td><td>yes</td><td>{@link Presence}</td></tr>
 *   <tr><td>pose</td><td>client</td><td>required</td><td>yes</td><td>{@link Pose}</td></tr>
 *   <tr><td>publish</td><td>client</td><td>required</td><td>yes</td><td>{@link Publish}</td></tr>
 *   <tr><td>end</td><td>client</td><td>required</td><td>yes</td><td>{@link End}</td></tr>
 *   <tr><td>replay</td><td>client</td><td>required</td><td>yes</td><td>{@link Replay}</td></tr>
 *   <tr><td>replay.pause</td><td>client</td><td>required</td><td>yes</td>
 *       <td>{@link ReplayPause}</td></tr>
 *   <tr><td>replay.resume</td><td>client</td><td>required</td><td>yes</td>
 *       <td>{@link ReplayResume}</td></tr>
 *   <tr><td>replay.seek</td><td>client</td><td>required</td><td>yes</td>
 *       <td>{@link ReplaySeek}</td></tr>
 *   <tr><td>replay.speed</td><td>client</td><td>required</td><td>yes</td>
 *       <td>{@link ReplaySpeed}</td></tr>
 *   <tr><td>settings</td><td>client</td><td>required</td><td>yes</td>
 *       <td>{@link ChangeSettings} (Tandem addition)</td></tr>
 *   <tr><td>put</td><td>client</td><td>required</td><td>yes</td><td>{@link Put}</td></tr>
 *   <tr><td>control</td><td>client</td><td>required</td><td>yes</td><td>{@link Control}</td></tr>
 *   <tr><td>ping</td><td>both</td><td>-</td><td>yes</td><td>{@link Ping}</td></tr>
 *   <tr><td>pong</td><td>both</td><td>-</td><td>yes</td><td>{@link Pong}</td></tr>
 *   <tr><td>welcome</td><td>server</td><td>-</td><td>yes</td><td>{@link Welcome}</td></tr>
 *   <tr><td>snapshot</td><td>server</td><td>required</td><td>yes</td><td>{@link Snapshot}</td></tr>
 *   <tr><td>delta</td><td>server</td><td>required</td><td>-</td><td>{@link Delta}</td></tr>
 *   <tr><td>presence</td><td>server</td><td>required</td><td>-</td>
 *       <td>{@link PresenceChanged}</td></tr>
 *   <tr><td>poses</td><td>server</td><td>required</td><td>-</td><td>{@link Poses}</td></tr>
 *   <tr><td>events</td><td>server</td><td>required</td><td>-</td><td>{@link Events}</td></tr>
 *   <tr><td>ended</td><td>server</td><td>required</td><td>-</td><td>{@link Ended}</td></tr>
 *   <tr><td>replay.events</td><td>server</td><td>required</td><td>-</td>
 *       <td>{@link ReplayEvents}</td></tr>
 *   <tr><td>replay.end</td><td>server</td><td>required</td><td>-</td>
 *       <td>{@link ReplayEnd}</td></tr>
 *   <tr><td>changes</td><td>server</td><td>required</td><td>-</td><td>{@link Changes}</td></tr>
 *   <tr><td>snapshot.part</td><td>server</td><td>required</td><td>-</td>
 *       <td>{@link SnapshotPart}</td></tr>
 *   <tr><td>control</td><td>server</td><td>required</td><td>-</td>
 *       <td>{@link ControlRelayed}</td></tr>
 *   <tr><td>ok</td><td>server</td><td>optional</td><td>yes</td><td>{@link Ok}</td></tr>
 *   <tr><td>error</td><td>server</td><td>echoed (raw)</td><td>yes</td>
 *       <td>{@link ErrorFrame}</td></tr>
 *   <tr><td>bye</td><td>server</td><td>-</td><td>-</td><td>{@link Bye}</td></tr>
 *   <tr><td>resync</td><td>server</td><td>required</td><td>-</td><td>{@link Resync}</td></tr>
 *   <tr><td>quality</td><td>server</td><td>optional (a room: per-room levels)</td><td>-</td>
 *       <td>{@link Quality} (Tandem addition)</td></tr>
 *   <tr><td>settings</td><td>server</td><td>required</td><td>-</td>
 *       <td>{@link SettingsChanged} (Tandem addition)</td></tr>
 * </table>
 */
public enum FrameType {
  /** {@link Hello}. */
  HELLO("hello", CLIENT_TO_SERVER, NONE, true, Hello.class),
  /** {@link Join}. */
  JOIN("join", CLIENT_TO_SERVER, REQUIRED, true, Join.class),
  /** {@link Leave}. */
  LEAVE("leave", CLIENT_TO_SERVER, REQUIRED, true, Leave.class),
  /** {@link Op}. */
  OP("op", CLIENT_TO_SERVER, REQUIRED, true, Op.class),
  /** {@link ObjectAction}. */
  OBJECT("object", CLIENT_TO_SERVER, REQUIRED, true, ObjectAction.class),
  /** {@link Presence}. */
  PRESENCE("presence", CLIENT_TO_SERVER, REQUIRED, true, Presence.class),
  /** {@link Pose}. */
  POSE("pose", CLIENT_TO_SERVER, REQUIRED, true, Pose.class),
  /** {@link Publish}. */
  PUBLISH("publish", CLIENT_TO_SERVER, REQUIRED, true, Publish.class),
  /** {@link End}. */
  END("end", CLIENT_TO_SERVER, REQUIRED, true, End.class),
  /** {@link Replay}. */
  REPLAY("replay", CLIENT_TO_SERVER, REQUIRED, true, Replay.class),
  /** {@link ReplayPause}. */
  REPLAY_PAUSE("replay.pause", CLIENT_TO_SERVER, REQUIRED, true, ReplayPause.class),
  /** {@link ReplayResume}. */
  REPLAY_RESUME("replay.resume", CLIENT_TO_SERVER, REQUIRED, true, ReplayResume.class),
  /** {@link ReplaySeek}. */
  REPLAY_SEEK("replay.seek", CLIENT_TO_SERVER, REQUIRED, true, ReplaySeek.class),
  /** {@link ReplaySpeed}. */
  REPLAY_SPEED("replay.speed", CLIENT_TO_SERVER, REQUIRED, true, ReplaySpeed.class),
  /** {@link ChangeSettings}, wire type {@code settings} (Tandem addition). */
  CHANGE_SETTINGS("settings", CLIENT_TO_SERVER, REQUIRED, true, ChangeSettings.class),
  /** {@link Put}. */
  PUT("put", CLIENT_TO_SERVER, REQUIRED, true, Put.class),
  /** {@link Control}. */
  CONTROL("control", CLIENT_TO_SERVER, REQUIRED, true, Control.class),
  /** {@link Ping}. */
  PING("ping", BOTH, NONE, true, Ping.class),
  /** {@link Pong}. */
  PONG("pong", BOTH, NONE, true, Pong.class),
  /** {@link Welcome}. */
  WELCOME("welcome", SERVER_TO_CLIENT, NONE, true, Welcome.class),
  /** {@link Snapshot}. */
  SNAPSHOT("snapshot", SERVER_TO_CLIENT, REQUIRED, true, Snapshot.class),
  /** {@link Delta}. */
  DELTA("delta", SERVER_TO_CLIENT, REQUIRED, false, Delta.class),
  /** {@link PresenceChanged}, wire type {@code presence}. */
  PRESENCE_CHANGED("presence", SERVER_TO_CLIENT, REQUIRED, false, PresenceChanged.class),
  /** {@link Poses}. */
  POSES("poses", SERVER_TO_CLIENT, REQUIRED, false, Poses.class),
  /** {@link Events}. */
  EVENTS("events", SERVER_TO_CLIENT, REQUIRED, false, Events.class),
  /** {@link Ended}. */
  ENDED("ended", SERVER_TO_CLIENT, REQUIRED, false, Ended.class),
  /** {@link ReplayEvents}. */
  REPLAY_EVENTS("replay.events", SERVER_TO_CLIENT, REQUIRED, false, ReplayEvents.class),
  /** {@link ReplayEnd}. */
  REPLAY_END("replay.end", SERVER_TO_CLIENT, REQUIRED, false, ReplayEnd.class),
  /** {@link Changes}. */
  CHANGES("changes", SERVER_TO_CLIENT, REQUIRED, false, Changes.class),
  /** {@link SnapshotPart}, wire type {@code snapshot.part}. */
  SNAPSHOT_PART("snapshot.part", SERVER_TO_CLIENT, REQUIRED, false, SnapshotPart.class),
  /** {@link ControlRelayed}, wire type {@code control}. */
  CONTROL_RELAYED("control", SERVER_TO_CLIENT, REQUIRED, false, ControlRelayed.class),
  /** {@link Ok}. */
  OK("ok", SERVER_TO_CLIENT, OPTIONAL, true, Ok.class),
  /** {@link ErrorFrame}. */
  ERROR("error", SERVER_TO_CLIENT, ECHOED, true, ErrorFrame.class),
  /** {@link Bye}. */
  BYE("bye", SERVER_TO_CLIENT, NONE, false, Bye.class),
  /** {@link Resync}. */
  RESYNC("resync", SERVER_TO_CLIENT, REQUIRED, false, Resync.class),
  /** {@link Quality} (Tandem addition). */
  QUALITY("quality", SERVER_TO_CLIENT, OPTIONAL, false, Quality.class),
  /** {@link SettingsChanged}, wire type {@code settings} (Tandem addition). */
  SETTINGS_CHANGED("settings", SERVER_TO_CLIENT, REQUIRED, false, SettingsChanged.class);

  /** Who sends a frame type. */
  public enum Direction {
    /** Only clients send it. */
    CLIENT_TO_SERVER,
    /** Only the server sends it. */
    SERVER_TO_CLIENT,
    /** Either side sends it ({@code ping}, {@code pong}). */
    BOTH;

    /** True when a client may send it. */
    public boolean fromClient() {
      return this != SERVER_TO_CLIENT;
    }

    /** True when the server may send it. */
    public boolean fromServer() {
      return this != CLIENT_TO_SERVER;
    }
  }

  /** Whether a frame type's envelope carries a {@code session}. */
  public enum SessionRule {
    /** Never; a {@code session} key present is ignored. */
    NONE,
    /** Always; missing is {@code bad_frame}, unparseable is {@code invalid_session}. */
    REQUIRED,
    /** Maybe ({@code ok}, {@code quality}); when present it must parse. */
    OPTIONAL,
    /** Maybe, as a raw string that need not parse ({@code error} echoes what it was sent). */
    ECHOED
  }

  private static final Map<String, FrameType> FROM_CLIENT = new HashMap<>();
  private static final Map<String, FrameType> FROM_SERVER = new HashMap<>();

  static {
    for (FrameType t : values()) {
      if (t.direction.fromClient() && FROM_CLIENT.put(t.wire, t) != null) {
        throw new ExceptionInInitializerError("duplicate client frame type " + t.wire);
      }
      if (t.direction.fromServer() && FROM_SERVER.put(t.wire, t) != null) {
        throw new ExceptionInInitializerError("duplicate server frame type " + t.wire);
      }
    }
  }

  private final String wire;
  private final Direction direction;
  private final SessionRule session;
  private final boolean carriesRef;
  private final Class<? extends Frame> frameClass;

  FrameType(
      String wire,
      Direction direction,
      SessionRule session,
      boolean carriesRef,
      Class<? extends Frame> frameClass) {
    this.wire = wire;
    this.direction = direction;
    this.session = session;
    this.carriesRef = carriesRef;
    this.frameClass = frameClass;
  }

  /** The wire {@code type}, e.g. {@code replay.seek}. */
  public String wire() {
    return wire;
  }

  /** Who sends it. */
  public Direction direction() {
    return direction;
  }

  /** Whether its envelope carries a {@code session}. */
  public SessionRule session() {
    return session;
  }

  /** Whether it carries a {@code ref} (requests, and the direct replies that echo one). */
  public boolean carriesRef() {
    return carriesRef;
  }

  /** The record class. */
  public Class<? extends Frame> frameClass() {
    return frameClass;
  }

  /** The type a client sends with this wire name, or empty. */
  public static Optional<FrameType> fromClient(String wire) {
    return Optional.ofNullable(FROM_CLIENT.get(wire));
  }

  /** The type the server sends with this wire name, or empty. */
  public static Optional<FrameType> fromServer(String wire) {
    return Optional.ofNullable(FROM_SERVER.get(wire));
  }
}
