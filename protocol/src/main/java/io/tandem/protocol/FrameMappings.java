package io.tandem.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The mapping between frames and JSON trees, the same for JSON and CBOR: the envelope, and one
 * reader and one writer per {@link FrameType}, registered in {@link #TABLE}. Pure functions; the
 * byte-level work is {@link FrameCodec}'s.
 *
 * <p>Readers refuse with {@link DecodeException}, never with anything else; writers leave out
 * optional keys whose value is null.
 *
 * <p>Why this file is over 500 lines: it is the protocol's one table, a short reader and writer per
 * frame type next to each other and to the shared checks they call, so that a frame's wire form and
 * its rules are read and changed in one place ({@link FrameType} names the types).
 */
final class FrameMappings {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private FrameMappings() {}

  /** The envelope of a frame being read: what readers need beside the payload. */
  /**
   * @param type the frame type
   * @param ref the ref, or null
   * @param session the parsed session, or null when the type has none
   * @param rawSession the session string as sent, or null
   * @param limits the bounds the frame's content is read within
   */
  record Envelope(
      FrameType type, Long ref, SessionId session, String rawSession, FrameLimits limits) {}

  @FunctionalInterface
  interface Reader<F extends Frame> {
    F read(Envelope env, Fields payload);
  }

  @FunctionalInterface
  interface Writer<F extends Frame> {
    ObjectNode write(F frame);
  }

  private record Mapping<F extends Frame>(Class<F> frameClass, Reader<F> reader, Writer<F> writer) {
    ObjectNode writePayload(Frame frame) {
      return writer.write(frameClass.cast(frame));
    }
  }

  private static final Map<FrameType, Mapping<?>> TABLE = new EnumMap<>(FrameType.class);

  static {
    // client -> server
    add(FrameType.HELLO, Hello.class, FrameMappings::readHello, FrameMappings::writeHello);
    add(FrameType.JOIN, Join.class, FrameMappings::readJoin, FrameMappings::writeJoin);
    add(FrameType.LEAVE, Leave.class, (e, p) -> new Leave(e.ref(), e.session()), f -> empty());
    add(FrameType.OP, Op.class, FrameMappings::readOp, FrameMappings::writeOp);
    add(
        FrameType.OBJECT,
        ObjectAction.class,
        FrameMappings::readObjectAction,
        FrameMappings::writeObjectAction);
    add(
        FrameType.PRESENCE,
        Presence.class,
        (e, p) -> new Presence(e.ref(), e.session(), p.node()),
        f -> (ObjectNode) f.presence());
    add(
        FrameType.POSE,
        Pose.class,
        (e, p) -> new Pose(e.ref(), e.session(), readPoseData(p)),
        f -> writePoseData(f.pose()));
    add(FrameType.PUBLISH, Publish.class, FrameMappings::readPublish, FrameMappings::writePublish);
    add(FrameType.END, End.class, (e, p) -> new End(e.ref(), e.session()), f -> empty());
    add(FrameType.REPLAY, Replay.class, FrameMappings::readReplay, FrameMappings::writeReplay);
    add(
        FrameType.REPLAY_PAUSE,
        ReplayPause.class,
        (e, p) -> new ReplayPause(e.ref(), e.session()),
        f -> empty());
    add(
        FrameType.REPLAY_RESUME,
        ReplayResume.class,
        (e, p) -> new ReplayResume(e.ref(), e.session()),
        f -> empty());
    add(
        FrameType.REPLAY_SEEK,
        ReplaySeek.class,
        (e, p) -> new ReplaySeek(e.ref(), e.session(), p.reqLong("seq", 0)),
        f -> empty().put("seq", f.seq()));
    add(
        FrameType.REPLAY_SPEED,
        ReplaySpeed.class,
        (e, p) -> new ReplaySpeed(e.ref(), e.session(), p.reqDouble("speed", 0)),
        f -> empty().put("speed", f.speed()));
    add(
        FrameType.CHANGE_SETTINGS,
        ChangeSettings.class,
        (e, p) -> new ChangeSettings(e.ref(), e.session(), readRoomSettings(p)),
        f -> writeRoomSettings(f.settings()));
    add(FrameType.PUT, Put.class, FrameMappings::readPut, FrameMappings::writePut);
    add(
        FrameType.CONTROL,
        Control.class,
        (e, p) -> new Control(e.ref(), e.session(), p.node()),
        f -> f.control().deepCopy());
    // both directions
    add(
        FrameType.PING,
        Ping.class,
        (e, p) -> new Ping(e.ref(), p.optNumber("t")),
        f -> putOpt(empty(), "t", f.t()));
    add(FrameType.PONG, Pong.class, FrameMappings::readPong, FrameMappings::writePong);
    // server -> client
    add(FrameType.WELCOME, Welcome.class, FrameMappings::readWelcome, FrameMappings::writeWelcome);
    add(
        FrameType.SNAPSHOT,
        Snapshot.class,
        FrameMappings::readSnapshot,
        FrameMappings::writeSnapshot);
    add(FrameType.DELTA, Delta.class, FrameMappings::readDelta, FrameMappings::writeDelta);
    add(
        FrameType.PRESENCE_CHANGED,
        PresenceChanged.class,
        (e, p) -> new PresenceChanged(e.session(), readMembers(p.reqChild("members"), true)),
        f -> writePresenceChanged(f));
    add(FrameType.POSES, Poses.class, FrameMappings::readPoses, FrameMappings::writePoses);
    add(FrameType.EVENTS, Events.class, FrameMappings::readEvents, FrameMappings::writeEvents);
    add(
        FrameType.ENDED,
        Ended.class,
        (e, p) -> new Ended(e.session(), p.reqLong("seq", 0)),
        f -> empty().put("seq", f.seq()));
    add(
        FrameType.REPLAY_EVENTS,
        ReplayEvents.class,
        FrameMappings::readReplayEvents,
        FrameMappings::writeReplayEvents);
    add(
        FrameType.REPLAY_END,
        ReplayEnd.class,
        (e, p) -> new ReplayEnd(e.session(), p.reqLong("seq", 0)),
        f -> empty().put("seq", f.seq()));
    add(FrameType.CHANGES, Changes.class, FrameMappings::readChanges, FrameMappings::writeChanges);
    add(
        FrameType.SNAPSHOT_PART,
        SnapshotPart.class,
        (e, p) ->
            new SnapshotPart(
                e.session(),
                p.reqLong("seq", 0),
                p.reqInt("part", 1),
                readEntries(p.reqChild("entries"), false)),
        f -> writeEntries(empty().put("seq", f.seq()).put("part", f.part()), f.entries()));
    add(
        FrameType.CONTROL_RELAYED,
        ControlRelayed.class,
        (e, p) -> new ControlRelayed(e.session(), p.reqString("by"), p.node()),
        f -> f.control().deepCopy().put("by", f.by()));
    add(
        FrameType.OK,
        Ok.class,
        (e, p) -> new Ok(e.ref(), e.session(), p.optLong("seq", 0)),
        f -> putOpt(empty(), "seq", f.seq()));
    add(FrameType.ERROR, ErrorFrame.class, FrameMappings::readError, FrameMappings::writeError);
    add(
        FrameType.BYE,
        Bye.class,
        (e, p) -> new Bye(p.optString("reason")),
        f -> putOpt(empty(), "reason", f.reason()));
    add(FrameType.RESYNC, Resync.class, (e, p) -> new Resync(e.session()), f -> empty());
    add(FrameType.QUALITY, Quality.class, FrameMappings::readQuality, FrameMappings::writeQuality);
    add(
        FrameType.SETTINGS_CHANGED,
        SettingsChanged.class,
        (e, p) -> new SettingsChanged(e.session(), readRoomSettings(p), p.optString("by")),
        f -> putOpt(writeRoomSettings(f.settings()), "by", f.by()));

    for (FrameType t : FrameType.values()) {
      Mapping<?> m = TABLE.get(t);
      if (m == null || m.frameClass() != t.frameClass()) {
        throw new ExceptionInInitializerError("no mapping for frame type " + t);
      }
    }
  }

  private static <F extends Frame> void add(
      FrameType type, Class<F> frameClass, Reader<F> reader, Writer<F> writer) {
    TABLE.put(type, new Mapping<>(frameClass, reader, writer));
  }

  // ---------------------------------------------------------------- envelope

  /**
   * Reads a frame from its tree.
   *
   * @param root the parsed frame
   * @param fromClient true to read a client frame, false a server frame
   * @param limits the bounds of the frame's content
   * @throws DecodeException carrying the frame's ref and raw session when they could be read
   */
  static Frame readFrame(JsonNode root, boolean fromClient, FrameLimits limits) {
    if (!(root instanceof ObjectNode frame)) {
      throw DecodeException.badFrame("a frame must be an object");
    }
    JsonNode s = frame.get("session");
    String rawSession = s != null && s.isTextual() ? s.textValue() : null;
    Long ref = null;
    JsonNode r = frame.get("ref");
    if (!Fields.absent(r)) {
      ref = Fields.integral(r);
      if (ref == null) {
        throw DecodeException.badFrame("ref must be an integer").at(null, rawSession);
      }
    }
    try {
      Frame read = readEnvelope(frame, fromClient, ref, limits);
      // values Jackson lets through that could not be written back out faithfully stop here
      checkValues(frame);
      return read;
    } catch (DecodeException e) {
      throw e.at(ref, rawSession);
    }
  }

  /**
   * Refuses a tree holding a string (value or key) with an unpaired UTF-16 surrogate, such as a
   * JSON escape of a lone surrogate or CESU-8 bytes, which cannot be written as UTF-8 JSON or CBOR;
   * or a number that is NaN or infinite (a CBOR float, or a JSON literal like {@code 1e400}), which
   * JSON cannot carry. Either would break the frames relaying it to other clients.
   */
  private static void checkValues(JsonNode root) {
    ArrayDeque<JsonNode> pending = new ArrayDeque<>();
    pending.push(root);
    while (!pending.isEmpty()) {
      JsonNode node = pending.pop();
      if (node.isTextual()) {
        checkUnicode(node.textValue());
      } else if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
        throw DecodeException.badFrame("a number is NaN or infinite, which JSON cannot carry");
      } else if (node.isObject()) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
          checkUnicode(field.getKey());
          pending.push(field.getValue());
        }
      } else if (node.isArray()) {
        node.forEach(pending::push);
      }
    }
  }

  private static void checkUnicode(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < s.length()
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          throw DecodeException.badFrame(
              "a string holds an unpaired UTF-16 surrogate (not valid Unicode)");
        }
      }
    }
  }

  private static Frame readEnvelope(
      ObjectNode frame, boolean fromClient, Long ref, FrameLimits limits) {
    JsonNode v = frame.get("version");
    if (Fields.absent(v)) {
      throw DecodeException.badFrame("version is required");
    }
    Long version = Fields.integral(v);
    if (version == null) {
      throw DecodeException.badFrame("version must be an integer");
    }
    if (version != ProtocolVersion.CURRENT) {
      throw new DecodeException(
          ErrorCode.UNSUPPORTED_VERSION,
          "version " + version + " is not supported; supported: " + ProtocolVersion.CURRENT);
    }
    JsonNode t = frame.get("type");
    if (Fields.absent(t)) {
      throw DecodeException.badFrame("type is required");
    }
    if (!t.isTextual()) {
      throw DecodeException.badFrame("type must be a string");
    }
    Optional<FrameType> known =
        fromClient ? FrameType.fromClient(t.textValue()) : FrameType.fromServer(t.textValue());
    if (known.isEmpty()) {
      throw new DecodeException(
          ErrorCode.UNKNOWN_TYPE,
          "unknown frame type '" + abbreviate(t.textValue()) + "' from a " + side(fromClient));
    }
    FrameType type = known.get();

    JsonNode s = frame.get("session");
    SessionId session = null;
    String rawSession = s != null && s.isTextual() ? s.textValue() : null;
    switch (type.session()) {
      case REQUIRED:
        if (Fields.absent(s)) {
          throw DecodeException.badFrame(type.wire() + " needs a session");
        }
        session = parseSession(s);
        break;
      case OPTIONAL:
        session = Fields.absent(s) ? null : parseSession(s);
        break;
      case ECHOED:
        if (!Fields.absent(s) && !s.isTextual()) {
          throw DecodeException.badFrame("session must be a string");
        }
        break;
      case NONE:
      default:
        break;
    }

    JsonNode p = frame.get("payload");
    ObjectNode payload;
    if (Fields.absent(p)) {
      payload = NODES.objectNode();
    } else if (p instanceof ObjectNode o) {
      payload = o;
    } else {
      throw DecodeException.badFrame(type.wire() + ": payload must be an object");
    }

    Mapping<?> mapping = TABLE.get(type);
    try {
      return mapping
          .reader()
          .read(
              new Envelope(type, ref, session, rawSession, limits),
              new Fields(payload, type.wire() + ": payload"));
    } catch (IllegalArgumentException | NullPointerException e) {
      // a record invariant the reader did not check itself; still the sender's fault
      throw DecodeException.badFrame(type.wire() + ": " + e.getMessage());
    }
  }

  private static SessionId parseSession(JsonNode s) {
    if (!s.isTextual()) {
      throw DecodeException.badFrame("session must be a string");
    }
    return SessionId.tryParse(s.textValue())
        .orElseThrow(
            () ->
                new DecodeException(
                    ErrorCode.INVALID_SESSION,
                    "invalid session '"
                        + abbreviate(s.textValue())
                        + "': expected room:<name>, recording:<name> or map:<name> with <name> matching "
                        + SessionId.NAME_PATTERN));
  }

  /** Writes a frame as a tree: version, type, ref and session when present, payload. */
  static ObjectNode writeFrame(Frame frame) {
    ObjectNode root = NODES.objectNode();
    root.put("version", ProtocolVersion.CURRENT);
    root.put("type", frame.type());
    putOpt(root, "ref", frame.ref());
    putOpt(root, "session", sessionOf(frame));
    root.set("payload", TABLE.get(frame.frameType()).writePayload(frame));
    return root;
  }

  private static String sessionOf(Frame frame) {
    if (frame instanceof SessionFrame s) {
      return s.session().toString();
    }
    if (frame instanceof Ok ok) {
      return ok.session() == null ? null : ok.session().toString();
    }
    if (frame instanceof ErrorFrame error) {
      return error.session();
    }
    if (frame instanceof Quality q) {
      return q.session() == null ? null : q.session().toString();
    }
    return null;
  }

  // ---------------------------------------------------------------- client frames

  private static Hello readHello(Envelope e, Fields p) {
    String token = p.reqString("token");
    Fields c = p.optChild("client");
    ClientInfo client = ClientInfo.unspecified();
    if (c != null) {
      String kind = c.optString("kind");
      client =
          new ClientInfo(
              clientName(c, e.limits()),
              kind == null
                  ? ClientKind.BROWSER
                  : ClientKind.fromWire(kind)
                      .orElseThrow(() -> c.bad("kind", "must be browser, xr, producer or bot")),
              device(c));
    }
    return new Hello(e.ref(), token, client);
  }

  /** The optional display name: any Unicode text of at most the limit's code points. */
  private static String clientName(Fields c, FrameLimits limits) {
    String name = c.optString("name");
    if (name != null && name.codePointCount(0, name.length()) > limits.maxClientNameChars()) {
      throw c.bad("name", "must have at most " + limits.maxClientNameChars() + " characters");
    }
    return name;
  }

  private static String device(Fields c) {
    String device = c.optString("device");
    if (device != null && !device.matches("[A-Za-z0-9._-]{1,64}")) {
      throw c.bad("device", "must match [A-Za-z0-9._-]{1,64}");
    }
    return device;
  }

  private static ObjectNode writeHello(Hello f) {
    ObjectNode p = empty().put("token", f.token());
    ObjectNode client = p.putObject("client");
    putOpt(client, "name", f.client().name());
    putOpt(client, "device", f.client().device());
    client.put("kind", f.client().kind().wire());
    return p;
  }

  private static Join readJoin(Envelope e, Fields p) {
    String role = p.optString("role");
    return new Join(
        e.ref(),
        e.session(),
        role == null
            ? Role.VIEWER
            : Role.fromWire(role)
                .orElseThrow(() -> p.bad("role", "must be viewer, editor or publisher")),
        p.optLong("since", 0),
        p.optString("epoch"),
        p.optObject("presence"));
  }

  private static ObjectNode writeJoin(Join f) {
    ObjectNode p = empty().put("role", f.role().wire());
    putOpt(p, "since", f.since());
    putOpt(p, "epoch", f.epoch());
    return putOpt(p, "presence", f.presence());
  }

  private static Op readOp(Envelope e, Fields p) {
    ArrayNode ops = p.reqArray("ops");
    if (ops.isEmpty()) {
      throw p.bad("ops", "must not be empty");
    }
    return new Op(e.ref(), e.session(), readDocOps(ops, p.where("ops"), e.limits()), readKey(p));
  }

  private static ObjectNode writeOp(Op f) {
    ObjectNode p = empty();
    p.set("ops", writeDocOps(f.ops()));
    return putOpt(p, "key", f.key());
  }

  /** The optional idempotency key of a change. */
  private static String readKey(Fields p) {
    String key = p.optString("key");
    if (key != null && (key.isEmpty() || key.length() > IdempotencyKey.MAX_LENGTH)) {
      throw p.bad("key", "must have 1 to " + IdempotencyKey.MAX_LENGTH + " characters");
    }
    return key;
  }

  private static ObjectAction readObjectAction(Envelope e, Fields p) {
    String action = p.reqString("action");
    String id = p.reqString("id");
    if (id.isEmpty() || id.length() > ObjectAction.MAX_ID_LENGTH) {
      throw p.bad("id", "must have 1 to " + ObjectAction.MAX_ID_LENGTH + " characters");
    }
    return new ObjectAction(
        e.ref(),
        e.session(),
        ObjectActionKind.fromWire(action)
            .orElseThrow(() -> p.bad("action", "must be spawn, grab, move, release or remove")),
        id,
        asset(p),
        readTransform(p.optChild("transform")),
        readKey(p));
  }

  /** The optional asset reference of an object: an asset id ({@link ObjectAction#ASSET_ID}). */
  private static String asset(Fields p) {
    String asset = p.optString("asset");
    if (asset != null && !ObjectAction.ASSET_ID.matcher(asset).matches()) {
      throw p.bad("asset", "must be an asset id matching " + ObjectAction.ASSET_ID.pattern());
    }
    return asset;
  }

  private static ObjectNode writeObjectAction(ObjectAction f) {
    ObjectNode p = empty().put("action", f.action().wire()).put("id", f.id());
    putOpt(p, "asset", f.asset());
    putOpt(p, "key", f.key());
    return putOpt(p, "transform", writeTransform(f.transform()));
  }

  private static Publish readPublish(Envelope e, Fields p) {
    List<JsonNode> events = p.jsonValues("events");
    Blob bytes = p.optBytes("bytes");
    if (events.isEmpty() && bytes == null) {
      throw p.bad("needs events or bytes");
    }
    return new Publish(
        e.ref(), e.session(), events, p.optBool("checkpoint"), p.optBool("static"), bytes);
  }

  private static ObjectNode writePublish(Publish f) {
    return writeBatch(f.events(), f.checkpoint(), f.isStatic(), f.bytes(), empty());
  }

  private static Replay readReplay(Envelope e, Fields p) {
    Long from = p.optLong("from", 1);
    Double speed = p.optDouble("speed", 0);
    return new Replay(
        e.ref(),
        e.session(),
        from == null ? 1 : from,
        p.optLong("until", 0),
        speed == null ? 1.0 : speed);
  }

  private static ObjectNode writeReplay(Replay f) {
    ObjectNode p = empty().put("from", f.from());
    putOpt(p, "until", f.until());
    return p.put("speed", f.speed());
  }

  private static Pong readPong(Envelope e, Fields p) {
    return new Pong(e.ref(), p.optNumber("t"), p.optLong("serverTime", Long.MIN_VALUE));
  }

  private static ObjectNode writePong(Pong f) {
    ObjectNode p = putOpt(empty(), "t", f.t());
    return putOpt(p, "serverTime", f.serverTime());
  }

  // ---------------------------------------------------------------- server frames

  private static Welcome readWelcome(Envelope e, Fields p) {
    Fields limits = p.reqChild("limits");
    return new Welcome(
        e.ref(),
        p.reqString("connection"),
        p.reqString("node"),
        p.reqString("principal"),
        p.reqLong("serverTime", Long.MIN_VALUE),
        p.reqLong("heartbeatMs", 0),
        new WelcomeLimits(
            limits.reqInt("maxFrameBytes", 0), limits.reqInt("maxFramesPerSecond", 0)));
  }

  private static ObjectNode writeWelcome(Welcome f) {
    ObjectNode p =
        empty()
            .put("connection", f.connection())
            .put("node", f.node())
            .put("principal", f.principal())
            .put("serverTime", f.serverTime())
            .put("heartbeatMs", f.heartbeatMs());
    p.putObject("limits")
        .put("maxFrameBytes", f.limits().maxFrameBytes())
        .put("maxFramesPerSecond", f.limits().maxFramesPerSecond());
    return p;
  }

  private static RoomSettings readRoomSettings(Fields p) {
    return new RoomSettings(p.reqInt("tickHz", 1));
  }

  private static ObjectNode writeRoomSettings(RoomSettings s) {
    return empty().put("tickHz", s.tickHz());
  }

  private static Snapshot readSnapshot(Envelope e, Fields p) {
    boolean recovered = p.optBool("recovered");
    JsonNode state = p.get("state");
    if (recovered && state != null) {
      throw p.bad("state", "must be null when recovered is true");
    }
    if (!recovered) {
      if (state == null) {
        throw p.bad("state", "is required when recovered is false");
      }
      if (!state.isObject()) {
        throw p.bad("state", "must be an object");
      }
    }
    Fields members = p.optChild("members");
    Fields settings = p.optChild("settings");
    return new Snapshot(
        e.ref(),
        e.session(),
        p.reqLong("seq", 0),
        p.reqString("epoch"),
        state,
        members == null ? Map.of() : readMembers(members, false),
        recovered,
        settings == null ? null : readRoomSettings(settings),
        p.optLong("parts", 1) == null ? null : p.optLong("parts", 1).intValue());
  }

  private static ObjectNode writeSnapshot(Snapshot f) {
    ObjectNode p = empty().put("seq", f.seq()).put("epoch", f.epoch());
    if (f.recovered()) {
      p.putNull("state"); // the one place protocol section 4.1 asks for an explicit null
    } else {
      p.set("state", f.state());
    }
    p.set("members", writeMembers(f.members()));
    if (f.settings() != null) {
      p.set("settings", writeRoomSettings(f.settings()));
    }
    if (f.parts() != null) {
      p.put("parts", f.parts());
    }
    return p.put("recovered", f.recovered());
  }

  private static Delta readDelta(Envelope e, Fields p) {
    ArrayNode ops = p.optArray("ops");
    Fields objects = p.optChild("objects");
    Map<String, ObjectState> states = null;
    if (objects != null) {
      states = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> o : objects.node().properties()) {
        JsonNode v = o.getValue();
        if (Fields.absent(v)) {
          states.put(o.getKey(), null); // removed
        } else if (v instanceof ObjectNode state) {
          states.put(o.getKey(), readObjectState(new Fields(state, objects.where(o.getKey()))));
        } else {
          throw objects.bad(o.getKey(), "must be an object or null");
        }
      }
    }
    return new Delta(
        e.session(),
        p.reqLong("seq", 0),
        p.reqString("by"),
        p.reqLong("ts", Long.MIN_VALUE),
        ops == null ? null : readDocOps(ops, p.where("ops"), e.limits()),
        states);
  }

  private static ObjectNode writeDelta(Delta f) {
    ObjectNode p = empty().put("seq", f.seq()).put("by", f.by()).put("ts", f.ts());
    if (f.ops() != null) {
      p.set("ops", writeDocOps(f.ops()));
    }
    if (f.objects() != null) {
      ObjectNode objects = p.putObject("objects");
      f.objects().forEach((id, state) -> objects.set(id, writeObjectState(state)));
    }
    return p;
  }

  private static ObjectNode writePresenceChanged(PresenceChanged f) {
    ObjectNode p = empty();
    p.set("members", writeMembers(f.members()));
    return p;
  }

  private static Quality readQuality(Envelope e, Fields p) {
    Map<String, String> levels = null;
    Fields objects = p.optChild("objects");
    if (objects != null) {
      if (e.session() == null) {
        throw p.bad("objects", "needs a session");
      }
      levels = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> o : objects.node().properties()) {
        if (!o.getValue().isTextual()) {
          throw objects.bad(o.getKey(), "must be high or low");
        }
        levels.put(o.getKey(), o.getValue().textValue());
      }
    }
    // `order` repeats the order of `objects` for readers that lose it; a map keeps it here
    return new Quality(
        p.reqString("lod"),
        p.optString("reason"),
        p.optLong("bytesPerSecond", 0),
        p.optLong("queueDelayMs", 0),
        e.session(),
        levels);
  }

  private static ObjectNode writeQuality(Quality f) {
    ObjectNode o = empty().put("lod", f.lod());
    putOpt(o, "reason", f.reason());
    putOpt(o, "bytesPerSecond", f.bytesPerSecond());
    putOpt(o, "queueDelayMs", f.queueDelayMs());
    if (f.objects() != null) {
      ObjectNode objects = o.putObject("objects");
      ArrayNode order = o.putArray("order");
      f.objects()
          .forEach(
              (id, level) -> {
                objects.put(id, level);
                order.add(id);
              });
    }
    return o;
  }

  private static Poses readPoses(Envelope e, Fields p) {
    long tick = p.reqLong("tick", Long.MIN_VALUE);
    Fields poses = p.reqChild("poses");
    Map<String, PoseData> byMember = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> m : poses.node().properties()) {
      if (!(m.getValue() instanceof ObjectNode pose)) {
        throw poses.bad(m.getKey(), "must be an object");
      }
      byMember.put(m.getKey(), readPoseData(new Fields(pose, poses.where(m.getKey()))));
    }
    Map<String, ObjectState> states = null;
    Fields objects = p.optChild("objects");
    if (objects != null) {
      states = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> o : objects.node().properties()) {
        if (!(o.getValue() instanceof ObjectNode state)) {
          throw objects.bad(o.getKey(), "must be an object");
        }
        states.put(o.getKey(), readObjectState(new Fields(state, objects.where(o.getKey()))));
      }
    }
    return new Poses(e.session(), tick, byMember, states);
  }

  private static ObjectNode writePoses(Poses f) {
    ObjectNode p = empty().put("tick", f.tick());
    ObjectNode poses = p.putObject("poses");
    // each pose keeps its encoding: the same pose goes to every other member's frame
    f.poses().forEach((member, pose) -> poses.putRawValue(member, new RawValue(pose.encoded())));
    if (f.objects() != null) {
      ObjectNode objects = p.putObject("objects");
      f.objects().forEach((id, state) -> objects.set(id, writeObjectState(state)));
    }
    return p;
  }

  private static Events readEvents(Envelope e, Fields p) {
    return new Events(
        e.session(),
        p.reqLong("fromSeq", 0),
        p.jsonValues("events"),
        p.optBool("checkpoint"),
        p.optBool("static"),
        p.optBytes("bytes"));
  }

  private static ObjectNode writeEvents(Events f) {
    return writeBatch(
        f.events(), f.checkpoint(), f.isStatic(), f.bytes(), empty().put("fromSeq", f.fromSeq()));
  }

  private static ReplayEvents readReplayEvents(Envelope e, Fields p) {
    ArrayNode items = p.reqArray("items");
    List<ReplayItem> read = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      String where = p.where("items") + "[" + i + "]";
      if (!(items.get(i) instanceof ObjectNode item)) {
        throw DecodeException.badFrame(where + " must be an object");
      }
      Fields f = new Fields(item, where);
      JsonNode nested = f.get("frame");
      if (nested == null) {
        throw f.bad("frame", "is required");
      }
      Frame frame;
      try {
        frame = readFrame(nested, false, FrameLimits.UNBOUNDED);
      } catch (DecodeException inner) {
        // whatever is wrong inside, the outer frame is what is malformed
        throw f.bad("frame", "is invalid: " + inner.getMessage());
      }
      read.add(
          new ReplayItem(
              f.optLong("seq", 0), f.reqLong("ts", Long.MIN_VALUE), (ServerFrame) frame));
    }
    return new ReplayEvents(e.session(), read);
  }

  private static ObjectNode writeReplayEvents(ReplayEvents f) {
    ObjectNode p = empty();
    ArrayNode items = p.putArray("items");
    for (ReplayItem item : f.items()) {
      ObjectNode i = items.addObject();
      putOpt(i, "seq", item.seq());
      i.put("ts", item.ts());
      i.set("frame", writeFrame(item.frame()));
    }
    return p;
  }

  private static ErrorFrame readError(Envelope e, Fields p) {
    String code = p.reqString("code");
    return new ErrorFrame(
        e.ref(),
        e.rawSession(),
        ErrorCode.fromWire(code).orElseThrow(() -> p.bad("code", "is not a known error code")),
        p.optString("message"));
  }

  private static ObjectNode writeError(ErrorFrame f) {
    ObjectNode p = empty().put("code", f.code().wire());
    return putOpt(p, "message", f.message());
  }

  // ---------------------------------------------------------------- maps

  private static Put readPut(Envelope e, Fields p) {
    Fields entries = p.reqChild("entries");
    if (entries.node().isEmpty()) {
      throw p.bad("entries", "must hold at least one entry");
    }
    JsonNode durable = p.get("durable");
    if (durable != null && !durable.isBoolean()) {
      throw p.bad("durable", "must be true or false");
    }
    return new Put(
        e.ref(),
        e.session(),
        readEntries(entries, true),
        durable == null || durable.booleanValue());
  }

  private static ObjectNode writePut(Put f) {
    return writeEntries(empty(), f.entries()).put("durable", f.durable());
  }

  private static Changes readChanges(Envelope e, Fields p) {
    Long seq = p.optLong("seq", 1);
    return new Changes(
        e.session(),
        seq,
        seq == null ? p.optString("by") : p.reqString("by"),
        seq == null ? p.optLong("ts", Long.MIN_VALUE) : (Long) p.reqLong("ts", Long.MIN_VALUE),
        readEntries(p.reqChild("entries"), true));
  }

  private static ObjectNode writeChanges(Changes f) {
    ObjectNode p = empty();
    putOpt(p, "seq", f.seq());
    putOpt(p, "by", f.by());
    putOpt(p, "ts", f.ts());
    return writeEntries(p, f.entries());
  }

  /** Entries keyed by {@link MapKeys}; JSON null is a deletion where {@code nullAllowed}. */
  private static Map<String, JsonNode> readEntries(Fields entries, boolean nullAllowed) {
    Map<String, JsonNode> read = new LinkedHashMap<>(entries.node().size() * 4 / 3 + 1);
    for (Map.Entry<String, JsonNode> en : entries.node().properties()) {
      if (!MapKeys.valid(en.getKey())) {
        throw DecodeException.badFrame(
            entries.where(abbreviate(en.getKey()))
                + " is not a valid key: must match "
                + MapKeys.PATTERN);
      }
      JsonNode v = en.getValue();
      if (Fields.absent(v)) {
        if (!nullAllowed) {
          throw entries.bad(en.getKey(), "must not be null");
        }
        read.put(en.getKey(), null);
      } else {
        read.put(en.getKey(), v);
      }
    }
    return read;
  }

  private static ObjectNode writeEntries(ObjectNode p, Map<String, JsonNode> entries) {
    // written straight from the map when the frame is serialised: a snapshot part or a tick holds
    // thousands of keys, and copying them into an ObjectNode first hashed every one of them again
    p.putPOJO("entries", new EntriesWriter(entries));
    return p;
  }

  /** A map's entries as a JSON object, a null value as JSON null, in the map's order. */
  private record EntriesWriter(Map<String, JsonNode> entries) implements JsonSerializable {
    @Override
    public void serialize(JsonGenerator gen, SerializerProvider provider) throws IOException {
      gen.writeStartObject(entries, entries.size());
      for (Map.Entry<String, JsonNode> e : entries.entrySet()) {
        gen.writeFieldName(e.getKey());
        JsonNode v = e.getValue();
        if (v == null) {
          gen.writeNull();
        } else {
          v.serialize(gen, provider);
        }
      }
      gen.writeEndObject();
    }

    @Override
    public void serializeWithType(
        JsonGenerator gen, SerializerProvider provider, TypeSerializer typeSer) throws IOException {
      serialize(gen, provider);
    }
  }

  // ---------------------------------------------------------------- values

  private static List<DocOp> readDocOps(ArrayNode ops, String where, FrameLimits limits) {
    List<DocOp> read = new ArrayList<>(ops.size());
    for (int i = 0; i < ops.size(); i++) {
      String at = where + "[" + i + "]";
      if (!(ops.get(i) instanceof ObjectNode op)) {
        throw DecodeException.badFrame(at + " must be an object");
      }
      read.add(readDocOp(new Fields(op, at), limits));
    }
    return read;
  }

  private static DocOp readDocOp(Fields f, FrameLimits limits) {
    String op = f.reqString("op");
    String path = f.reqString("path");
    String problem = limits.pathProblem(path);
    if (problem != null) {
      throw f.bad("path", problem);
    }
    switch (op) {
      case "set":
        JsonNode value = f.node().get("value");
        if (value == null || value.isMissingNode()) {
          throw f.bad("value", "is required for set (null is a value)");
        }
        return new DocOp.Set(path, value);
      case "del":
        return new DocOp.Del(path);
      default:
        throw f.bad("op", "must be \"set\" or \"del\"");
    }
  }

  private static ArrayNode writeDocOps(List<DocOp> ops) {
    ArrayNode a = NODES.arrayNode(ops.size());
    for (DocOp op : ops) {
      ObjectNode o = a.addObject().put("op", op.op()).put("path", op.path());
      if (op instanceof DocOp.Set set) {
        o.set("value", set.value());
      }
    }
    return a;
  }

  private static Transform readTransform(Fields t) {
    return t == null ? null : new Transform(t.vector("p", 3), t.vector("q", 4), t.vector("s", 3));
  }

  private static ObjectNode writeTransform(Transform t) {
    if (t == null) {
      return null;
    }
    ObjectNode o = empty();
    putVector(o, "p", t.p());
    putVector(o, "q", t.q());
    putVector(o, "s", t.s());
    return o;
  }

  private static ObjectState readObjectState(Fields f) {
    return new ObjectState(
        f.optString("asset"), readTransform(f.optChild("transform")), f.optString("heldBy"));
  }

  private static ObjectNode writeObjectState(ObjectState s) {
    if (s == null) {
      return null; // removed: ObjectNode.set turns it into an explicit JSON null
    }
    ObjectNode o = empty();
    putOpt(o, "asset", s.asset());
    putOpt(o, "transform", writeTransform(s.transform()));
    return putOpt(o, "heldBy", s.heldBy());
  }

  private static PoseData readPoseData(Fields f) {
    return new PoseData(
        f.optDouble("t", Double.NEGATIVE_INFINITY),
        readPoseNode(f.optChild("head")),
        readPoseNode(f.optChild("left")),
        readPoseNode(f.optChild("right")));
  }

  private static PoseNode readPoseNode(Fields f) {
    return f == null ? null : new PoseNode(f.vector("p", 3), f.vector("q", 4));
  }

  static ObjectNode writePoseData(PoseData d) {
    ObjectNode o = empty();
    if (d.t() != null) {
      o.put("t", d.t());
    }
    putOpt(o, "head", writePoseNode(d.head()));
    putOpt(o, "left", writePoseNode(d.left()));
    return putOpt(o, "right", writePoseNode(d.right()));
  }

  private static ObjectNode writePoseNode(PoseNode n) {
    if (n == null) {
      return null;
    }
    ObjectNode o = empty();
    putVector(o, "p", n.p());
    putVector(o, "q", n.q());
    return o;
  }

  private static Map<String, MemberEntry> readMembers(Fields members, boolean nullMeansLeft) {
    Map<String, MemberEntry> read = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> m : members.node().properties()) {
      JsonNode v = m.getValue();
      if (nullMeansLeft && Fields.absent(v)) {
        read.put(m.getKey(), null);
      } else if (v instanceof ObjectNode entry) {
        Fields f = new Fields(entry, members.where(m.getKey()));
        read.put(
            m.getKey(),
            new MemberEntry(
                f.optString("name"),
                f.optString("kind"),
                f.optString("role"),
                f.optObject("presence")));
      } else {
        throw members.bad(
            m.getKey(), nullMeansLeft ? "must be an object or null" : "must be an object");
      }
    }
    return read;
  }

  private static ObjectNode writeMembers(Map<String, MemberEntry> members) {
    ObjectNode o = empty();
    members.forEach(
        (id, m) -> {
          if (m == null) {
            o.putNull(id); // the member left
          } else {
            ObjectNode entry = o.putObject(id);
            putOpt(entry, "name", m.name());
            putOpt(entry, "kind", m.kind());
            putOpt(entry, "role", m.role());
            entry.set("presence", m.presence());
          }
        });
    return o;
  }

  private static ObjectNode writeBatch(
      List<JsonNode> events, boolean checkpoint, boolean isStatic, Blob bytes, ObjectNode p) {
    p.putArray("events").addAll(events);
    p.put("checkpoint", checkpoint).put("static", isStatic);
    if (bytes != null) {
      p.set("bytes", NODES.binaryNode(bytes.array()));
    }
    return p;
  }

  // ---------------------------------------------------------------- helpers

  private static ObjectNode empty() {
    return NODES.objectNode();
  }

  private static ObjectNode putOpt(ObjectNode o, String key, String value) {
    if (value != null) {
      o.put(key, value);
    }
    return o;
  }

  private static ObjectNode putOpt(ObjectNode o, String key, Long value) {
    if (value != null) {
      o.put(key, value.longValue());
    }
    return o;
  }

  private static ObjectNode putOpt(ObjectNode o, String key, JsonNode value) {
    if (value != null) {
      o.set(key, value);
    }
    return o;
  }

  private static void putVector(ObjectNode o, String key, List<Double> v) {
    if (v != null) {
      ArrayNode a = o.putArray(key);
      v.forEach(a::add);
    }
  }

  private static String side(boolean fromClient) {
    return fromClient ? "client" : "server";
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
