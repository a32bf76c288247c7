package io.tandem.node.session;

import io.tandem.persistence.index.CassandraSessionIndex;
import io.tandem.persistence.index.SessionIndexes;
import io.tandem.protocol.SessionId;
import io.tandem.protocol.SessionKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which sessions exist, without asking (and so starting) their entities: the session index of the
 * journal's keyspace ({@link CassandraSessionIndex}), written once by an entity when it persists
 * its creation, and read by the HTTP API (list, 404) and replays ({@code not_found}). A session the
 * index does not know may still predate it: {@link #exists} then asks the journal's table of
 * persistence ids, one row read, and never an entity.
 *
 * <p>Listing is paged by an opaque cursor (the kind and the last name read, base64url); one call
 * reads at most {@code scanRows} index rows, so a filter that matches little answers with fewer
 * rows and a cursor to go on, never a long scan. Blocks on nothing.
 */
public final class SessionIndex {
  private static final Logger log = LoggerFactory.getLogger(SessionIndex.class);

  /** Index rows read per query while scanning a page. */
  private static final int FETCH = 500;

  private final CassandraSessionIndex index;

  public SessionIndex(ActorSystem<?> system) {
    this.index = SessionIndexes.get(system);
  }

  /**
   * Records that {@code session} was created at {@code createdMillis}; called by its entity once
   * the creation is persisted. A failed write is logged: {@link #exists} still finds the session
   * through the journal, and the next lookup by name records it again.
   */
  public static void recordCreated(ActorSystem<?> system, SessionId session, long createdMillis) {
    if (!system
        .settings()
        .config()
        .getString("pekko.persistence.journal.plugin")
        .startsWith("pekko.persistence.cassandra")) {
      return; // an entity test on another journal: no index to keep
    }
    CompletionStage<?> write;
    try {
      write =
          SessionIndexes.get(system).record(session.kind().prefix(), session.name(), createdMillis);
    } catch (RuntimeException e) {
      write = CompletableFuture.failedFuture(e);
    }
    write.whenComplete(
        (done, error) -> {
          if (error != null) {
            log.warn("could not index {}: {}", session, error.toString());
          }
        });
  }

  /**
   * Records that {@code session} (a recording) ended at {@code endedMillis}, so that retention
   * finds it without waking its entity. A failed write is logged; the recording then stays until it
   * is deleted by hand.
   */
  public static void recordEnded(ActorSystem<?> system, SessionId session, long endedMillis) {
    if (!SessionDeletion.onCassandra(system)) {
      return;
    }
    CompletionStage<?> write;
    try {
      write =
          SessionIndexes.get(system)
              .markEnded(session.kind().prefix(), session.name(), endedMillis);
    } catch (RuntimeException e) {
      write = CompletableFuture.failedFuture(e);
    }
    write.whenComplete(
        (done, error) -> {
          if (error != null) {
            log.warn("could not index the end of {}: {}", session, error.toString());
          }
        });
  }

  /** Records {@code session} again (a session found in the journal but not in the index). */
  public CompletionStage<?> repair(SessionId session, long createdMillis) {
    return index.record(session.kind().prefix(), session.name(), createdMillis);
  }

  /** What {@link #lookup} found. */
  public enum Known {
    /** In the index. */
    INDEXED,
    /**
     * Not in the index but in the journal: created before the index existed (or its write failed).
     */
    JOURNAL_ONLY,
    /** Never created. */
    NO
  }

  /** Whether the session was ever created: the index, else the journal's persistence ids. */
  public CompletionStage<Known> lookup(SessionId session) {
    return index
        .find(session.kind().prefix(), session.name())
        .thenCompose(
            found ->
                found.isPresent()
                    ? CompletableFuture.completedFuture(Known.INDEXED)
                    : index
                        .journalKnows(SessionEntities.persistenceId(session))
                        .thenApply(inJournal -> inJournal ? Known.JOURNAL_ONLY : Known.NO));
  }

  /** Whether the session was ever created ({@link #lookup} is not {@link Known#NO}). */
  public CompletionStage<Boolean> exists(SessionId session) {
    return lookup(session).thenApply(k -> k != Known.NO);
  }

  /** One page of a listing. {@code next} is empty on the last page. */
  public record Page(List<CassandraSessionIndex.Entry> entries, Optional<String> next) {}

  /** Where a listing goes on: after {@code name} in {@code kind}. */
  record Cursor(String kind, String name) {
    String encode() {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(("1\n" + kind + "\n" + name).getBytes(StandardCharsets.UTF_8));
    }

    static Optional<Cursor> decode(String text) {
      try {
        String[] parts =
            new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8).split("\n", -1);
        if (parts.length != 3 || !parts[0].equals("1") || parts[2].length() > 256) {
          return Optional.empty();
        }
        return Optional.of(new Cursor(parts[1], parts[2]));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
  }

  /** The kinds a listing walks, in order: every kind this node knows. */
  public static List<String> kinds() {
    List<String> out = new ArrayList<>();
    for (SessionKind k : SessionKind.values()) {
      out.add(k.prefix());
    }
    return out;
  }

  /**
   * A page of at most {@code limit} sessions of {@code kinds} (in that order, by name within a
   * kind) that {@code keep} accepts and whose name contains {@code q} (ignoring case), after {@code
   * cursor}; reads at most {@code scanRows} index rows.
   *
   * @throws IllegalArgumentException for a cursor this class did not make, or one of another kind
   */
  public CompletionStage<Page> list(
      List<String> kinds,
      Optional<String> cursor,
      Optional<String> q,
      Predicate<CassandraSessionIndex.Entry> keep,
      int limit,
      int scanRows) {
    Cursor start;
    if (cursor.isPresent()) {
      start =
          Cursor.decode(cursor.get())
              .filter(c -> kinds.contains(c.kind()))
              .orElseThrow(() -> new IllegalArgumentException("not a cursor of this listing"));
    } else {
      start = new Cursor(kinds.get(0), "");
    }
    String needle = q.map(s -> s.toLowerCase(Locale.ROOT)).orElse(null);
    Predicate<CassandraSessionIndex.Entry> matches =
        e -> (needle == null || e.name().toLowerCase(Locale.ROOT).contains(needle)) && keep.test(e);
    return scan(kinds, start, matches, limit, scanRows, new ArrayList<>());
  }

  private CompletionStage<Page> scan(
      List<String> kinds,
      Cursor at,
      Predicate<CassandraSessionIndex.Entry> matches,
      int limit,
      int budget,
      List<CassandraSessionIndex.Entry> out) {
    int fetch = Math.min(FETCH, budget);
    return index
        .after(at.kind(), at.name(), fetch)
        .thenCompose(
            rows -> {
              Cursor last = at;
              for (CassandraSessionIndex.Entry e : rows) {
                last = new Cursor(e.kind(), e.name());
                if (matches.test(e)) {
                  out.add(e);
                  if (out.size() == limit) {
                    return CompletableFuture.completedFuture(
                        new Page(out, Optional.of(last.encode())));
                  }
                }
              }
              int left = budget - rows.size();
              Cursor next = last;
              if (rows.size() < fetch) {
                // this kind is done: the next one from its start
                int k = kinds.indexOf(at.kind());
                if (k + 1 >= kinds.size()) {
                  return CompletableFuture.completedFuture(new Page(out, Optional.empty()));
                }
                next = new Cursor(kinds.get(k + 1), "");
              }
              if (left <= 0) {
                return CompletableFuture.completedFuture(new Page(out, Optional.of(next.encode())));
              }
              return scan(kinds, next, matches, limit, left, out);
            });
  }
}
