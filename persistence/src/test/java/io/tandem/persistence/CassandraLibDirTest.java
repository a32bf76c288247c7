package io.tandem.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding Cassandra's jars. */
class CassandraLibDirTest {

  @TempDir Path root;

  private Path libUnder(Path checkout) throws Exception {
    Path lib = Files.createDirectories(checkout.resolve(CassandraLibDir.RELATIVE));
    Files.createFile(lib.resolve("cassandra-all-5.0.9.jar"));
    return lib;
  }

  @Test
  void theSystemPropertyComesFirst() throws Exception {
    Path configured = libUnder(root.resolve("configured"));
    libUnder(root);
    assertEquals(configured, CassandraLibDir.locate(configured.toString(), null, root));
  }

  @Test
  void theCheckoutIsFoundFromAModuleFolder() throws Exception {
    Path lib = libUnder(root);
    Path module = Files.createDirectories(root.resolve("cluster-node"));
    assertEquals(lib, CassandraLibDir.locate(null, "", module));
  }

  @Test
  void aMissingFolderSaysHowToBuildIt() {
    IllegalStateException missing =
        assertThrows(
            IllegalStateException.class,
            () -> CassandraLibDir.locate(root.resolve("nowhere").toString(), null, root));
    assertTrue(missing.getMessage().contains("mvn install"), missing.getMessage());
  }

  @Test
  void mismatchedLogbackJarsAreRefused() throws Exception {
    Path lib = libUnder(root);
    Files.createFile(lib.resolve("logback-classic-1.5.38.jar"));
    Files.createFile(lib.resolve("logback-core-1.5.18.jar"));
    assertThrows(IllegalStateException.class, () -> CassandraLibDir.checkConsistent(lib));
    Files.createFile(lib.resolve("logback-core-1.5.38.jar"));
    IllegalStateException stale =
        assertThrows(IllegalStateException.class, () -> CassandraLibDir.checkConsistent(lib));
    assertTrue(stale.getMessage().contains("clean"), stale.getMessage());
    Files.delete(lib.resolve("logback-core-1.5.18.jar"));
    CassandraLibDir.checkConsistent(lib);
  }
}
