package io.tandem.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The production CQL schema, {@code cql/schema.cql} on the classpath: the keyspace and the journal
 * and snapshot tables, for clusters where the plugin must not create them.
 *
 * <p>The file names the keyspace {@value #KEYSPACE} and a placeholder replication; {@link
 * #statements(String, String)} rewrites both, for an operator tool or a test.
 */
public final class CassandraSchema {

  /** Classpath location of the schema. */
  public static final String RESOURCE = "cql/schema.cql";

  /** The keyspace the file names. */
  public static final String KEYSPACE = "tandem";

  private static final Pattern CREATE_KEYSPACE =
      Pattern.compile(
          "(?is)^CREATE KEYSPACE IF NOT EXISTS "
              + KEYSPACE
              + "\\s+WITH replication\\s*=\\s*\\{.*}$");
  private static final Pattern QUALIFIED = Pattern.compile("\\b" + KEYSPACE + "\\.");

  private CassandraSchema() {}

  /** The file as it is. */
  public static String text() {
    try (InputStream in = CassandraSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** The statements of the file, without comments and semicolons, in order. */
  public static List<String> statements() {
    StringBuilder withoutComments = new StringBuilder();
    for (String line : text().split("\n")) {
      String code = line.strip();
      if (!code.startsWith("--")) {
        withoutComments.append(line).append('\n');
      }
    }
    List<String> result = new ArrayList<>();
    for (String statement : withoutComments.toString().split(";")) {
      if (!statement.isBlank()) {
        result.add(statement.strip());
      }
    }
    return List.copyOf(result);
  }

  /**
   * The statements for another keyspace and replication.
   *
   * @param keyspace the keyspace to create and qualify the tables with
   * @param replication a CQL replication map such as {@code {'class': 'SimpleStrategy',
   *     'replication_factor': 1}}
   */
  public static List<String> statements(String keyspace, String replication) {
    List<String> result = new ArrayList<>();
    boolean keyspaceRewritten = false;
    for (String statement : statements()) {
      if (CREATE_KEYSPACE.matcher(statement).matches()) {
        keyspaceRewritten = true;
        result.add(
            "CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + replication);
      } else {
        result.add(
            QUALIFIED.matcher(statement).replaceAll(Matcher.quoteReplacement(keyspace + ".")));
      }
    }
    if (!keyspaceRewritten) {
      throw new IllegalStateException(RESOURCE + " has no CREATE KEYSPACE for " + KEYSPACE);
    }
    return List.copyOf(result);
  }
}
