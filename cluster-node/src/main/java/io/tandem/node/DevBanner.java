package io.tandem.node;

import io.tandem.node.auth.DevTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * The start-up banner of a dev-mode node and its 12-hour all-grants token. The token never goes to
 * stdout or the log (docs/operations.md: no log line holds a token): it is written to a file only
 * its owner may read ({@code tandem.dev-token-file}, {@code TANDEM_DEV_TOKEN_FILE}; mode 0600 on
 * POSIX file systems), and the banner prints that file's path and a {@code curl} that reads it.
 */
final class DevBanner {
  /** The grants of the banner's token: everything a dev-mode node serves. */
  static final String SCOPE =
      "room:*:write recording:*:publish recording:*:read asset:*:publish node:*:admin"
          + " map:*:publish map:*:read";

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private DevBanner() {}

  /**
   * Mints the banner's token, writes it to {@code file} (owner-only) and returns the lines to print
   * about it: the path and how to use it, never the token.
   */
  static String tokenLines(DevTokens tokens, Path file, String url) throws IOException {
    String token = tokens.mint("dev", SCOPE, Duration.ofHours(12), Clock.systemUTC().instant());
    writeOwnerOnly(file, token + "\n");
    Path shown = file.toAbsolutePath().normalize();
    return "  Dev token (12 h, all grants) in "
        + shown
        + " (readable by you only), e.g.\n"
        + "    curl -s -H \"Authorization: Bearer $(cat "
        + shown
        + ")\" "
        + url
        + "/v1/sessions\n"
        + "  More: curl -s -X POST "
        + url
        + "/v1/dev/token -H 'Content-Type: application/json'"
        + " -d '{\"sub\":\"alice\",\"scope\":\"room:*:write\"}'\n";
  }

  /**
   * Writes {@code text} to {@code file} so that no one but its owner can ever read it: into a new
   * file created with mode 0600 next to it, then moved over {@code file}.
   */
  static void writeOwnerOnly(Path file, String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    Path tmp =
        posix
            ? Files.createTempFile(
                dir, ".dev-token", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
            : Files.createTempFile(dir, ".dev-token", ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    if (posix) {
      Files.setPosixFilePermissions(file, OWNER_ONLY);
    }
  }
}
