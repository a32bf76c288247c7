package io.tandem.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes the JavaScript client's protocol tables ({@code client-web/src/protocol-tables.js}) from
 * this module's enums: {@link FrameType} (the wire names each side sends), {@link ErrorCode} (with
 * the malformed flag of the 1008 rule) and {@link CloseCode} (with its reconnect rule). The file is
 * checked in; {@code ClientTablesTest} fails when it differs from what {@link #render()} writes
 * now, and names the command that rewrites it:
 *
 * <pre>
 * mvn -B -o -q -pl protocol compile
 * java -cp protocol/target/classes io.tandem.protocol.ClientTables client-web/src/protocol-tables.js
 * </pre>
 */
public final class ClientTables {

  /** The command that rewrites the file, for messages and the file's own header. */
  public static final String COMMAND =
      "mvn -B -o -q -pl protocol compile && java -cp protocol/target/classes"
          + " io.tandem.protocol.ClientTables client-web/src/protocol-tables.js";

  private ClientTables() {}

  /** The whole file, deterministic (enum order), ending with a newline. */
  public static String render() {
    StringBuilder out = new StringBuilder();
    out.append(
            "// GENERATED from the Java enums of the protocol module (FrameType, ErrorCode, CloseCode) by\n")
        .append(
            "// io.tandem.protocol.ClientTables. Do not edit by hand: ClientTablesTest fails when this file\n")
        .append("// and the enums differ. Rewrite it with, from the repository root:\n")
        .append("//   ")
        .append(COMMAND)
        .append("\n\n");

    out.append("/** Frame types a client sends (section 2 onwards). */\n")
        .append("export const CLIENT_FRAME_TYPES = Object.freeze(")
        .append(list(wires(true)))
        .append(");\n\n");
    out.append("/** Frame types a server sends; each is also an event name of the client. */\n")
        .append("export const SERVER_FRAME_TYPES = Object.freeze(")
        .append(list(wires(false)))
        .append(");\n\n");

    List<String> codes = new ArrayList<>();
    List<String> malformed = new ArrayList<>();
    for (ErrorCode c : ErrorCode.values()) {
      codes.add(c.wire());
      if (c.malformed()) {
        malformed.add(c.wire());
      }
    }
    out.append("/** The `code`s of `error` frames (section 7). */\n")
        .append("export const ERROR_CODES = Object.freeze(")
        .append(list(codes))
        .append(");\n\n");
    out.append("/** Error codes whose frames count as malformed for the 1008 rule. */\n")
        .append("export const MALFORMED_ERROR_CODES = Object.freeze(")
        .append(list(malformed))
        .append(");\n\n");

    out.append("/**\n")
        .append(
            " * WebSocket close codes the server uses (section 3): `name` (the Java constant) and `reconnect`,\n")
        .append(
            " * whether a client reconnects on its own after it (4401: only with a new token).\n")
        .append(" */\n")
        .append("export const CLOSE_CODES = Object.freeze({\n");
    for (CloseCode c : CloseCode.values()) {
      out.append("  ")
          .append(c.code())
          .append(": Object.freeze({ name: '")
          .append(c.name())
          .append("', reconnect: ")
          .append(c.shouldReconnect())
          .append(" }),\n");
    }
    out.append("});\n");
    return out.toString();
  }

  private static List<String> wires(boolean fromClient) {
    List<String> names = new ArrayList<>();
    for (FrameType t : FrameType.values()) {
      boolean sends = fromClient ? t.direction().fromClient() : t.direction().fromServer();
      if (sends && !names.contains(t.wire())) {
        names.add(t.wire());
      }
    }
    return names;
  }

  private static String list(List<String> names) {
    StringBuilder s = new StringBuilder("[\n");
    StringBuilder line = new StringBuilder("  ");
    for (String n : names) {
      String item = "'" + n + "', ";
      if (line.length() + item.length() > 100) {
        s.append(line.toString().stripTrailing()).append('\n');
        line = new StringBuilder("  ");
      }
      line.append(item);
    }
    if (line.length() > 2) {
      s.append(line.toString().stripTrailing()).append('\n');
    }
    return s.append("]").toString();
  }

  /**
   * Writes {@link #render()} to the path given (default: {@code
   * client-web/src/protocol-tables.js}).
   */
  public static void main(String[] args) throws IOException {
    Path target = Path.of(args.length > 0 ? args[0] : "client-web/src/protocol-tables.js");
    Files.writeString(target, render(), StandardCharsets.UTF_8);
    System.out.println(
        "wrote " + target + " (" + render().lines().collect(Collectors.counting()) + " lines)");
  }
}
