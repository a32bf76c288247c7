package io.tandem.node.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Node.js script of the {@code client-web} module (its tests) as a subprocess with the
 * machine's own {@code node}, in the module's folder (so its {@code node_modules} resolve), with
 * the node under test passed in the environment. Output goes to a log file under {@code
 * target/web-tests/} and is returned; a script that outlives its deadline is killed with its
 * children (a browser included).
 */
final class NodeScript {
  /** The client-web module: {@code -Dtandem.client-web.dir}, else beside this module. */
  static Path clientWebDir() {
    String configured = System.getProperty("tandem.client-web.dir");
    Path dir =
        configured != null
            ? Path.of(configured)
            : Path.of("").toAbsolutePath().getParent().resolve("client-web");
    if (!Files.isDirectory(dir.resolve("node_modules"))) {
      throw new IllegalStateException(
          dir
              + "/node_modules is missing: build the client-web module first"
              + " (mvn -pl client-web package runs npm ci)");
    }
    return dir;
  }

  record Result(int exitCode, String output, Path log) {
    /**
     * What to say when the script failed: the log's path and its failing checks ({@code not ok}
     * lines with the few lines of reason under each), so that a CI log that shows only the
     * assertion still says which check failed and why.
     */
    String failures() {
      StringBuilder said = new StringBuilder("see ").append(log);
      String[] lines = output.split("\n");
      for (int i = 0; i < lines.length; i++) {
        if (lines[i].startsWith("not ok") || lines[i].startsWith("[killed")) {
          said.append('\n').append(lines[i]);
          for (int j = i + 1; j < Math.min(lines.length, i + 4) && lines[j].startsWith("  "); j++) {
            said.append('\n').append(lines[j]);
          }
        }
      }
      return said.toString();
    }
  }

  static Result run(String name, Map<String, String> env, Duration deadline, String... args)
      throws IOException, InterruptedException {
    Path logs = Path.of("target", "web-tests").toAbsolutePath();
    Files.createDirectories(logs);
    Path log = logs.resolve(name + ".log");
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("tandem.node", "node"));
    command.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(clientWebDir().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    pb.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    pb.environment().put("NO_COLOR", "1");
    Process process = pb.start();
    boolean finished = process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    if (!finished) {
      output += "\n[killed: still running after " + deadline.toSeconds() + " s]";
    }
    System.out.println("---- node " + String.join(" ", args) + "\n" + output);
    return new Result(finished ? process.exitValue() : -1, output, log);
  }

  private NodeScript() {}
}
