package io.tandem.persistence;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A tiny event-sourced counter for the journal tests: every {@code Add} persists one {@code Added}
 * event; a snapshot is taken every 3 events and its sequence number reported to a probe.
 */
final class Counter
    extends EventSourcedBehaviorWithEnforcedReplies<Counter.Command, Counter.Event, Counter.State> {

  sealed interface Command extends CborSerializable {}

  /** Adds an amount; replies with the new state once the event is stored. */
  record Add(int amount, ActorRef<State> replyTo) implements Command {}

  /** Replies with the current state. */
  record Get(ActorRef<State> replyTo) implements Command {}

  sealed interface Event extends CborSerializable {}

  record Added(int amount) implements Event {}

  /** Every amount added, in order, and their total. */
  record State(int total, List<Integer> amounts) implements CborSerializable {
    State {
      amounts = List.copyOf(amounts);
    }

    State add(int amount) {
      List<Integer> more = new ArrayList<>(amounts);
      more.add(amount);
      return new State(total + amount, more);
    }
  }

  private final ActorRef<Long> snapshots;
  private final String snapshotPluginId;

  private Counter(PersistenceId id, ActorRef<Long> snapshots, String snapshotPluginId) {
    super(id);
    this.snapshots = snapshots;
    this.snapshotPluginId = snapshotPluginId;
  }

  static Counter create(PersistenceId id, ActorRef<Long> snapshots) {
    return new Counter(id, snapshots, "");
  }

  /** On the snapshot store {@code snapshotPluginId} (a config path) instead of the default. */
  static Counter create(PersistenceId id, ActorRef<Long> snapshots, String snapshotPluginId) {
    return new Counter(id, snapshots, snapshotPluginId);
  }

  @Override
  public String snapshotPluginId() {
    return snapshotPluginId;
  }

  @Override
  public State emptyState() {
    return new State(0, List.of());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Add.class, this::onAdd)
        .onCommand(Get.class, this::onGet)
        .build();
  }

  private ReplyEffect<Event, State> onAdd(State state, Add command) {
    return Effect().persist(new Added(command.amount())).thenReply(command.replyTo(), s -> s);
  }

  private ReplyEffect<Event, State> onGet(State state, Get command) {
    return Effect().reply(command.replyTo(), state);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Added.class, (state, event) -> state.add(event.amount()))
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(3, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            SnapshotCompleted.class, (state, done) -> snapshots.tell(done.metadata().sequenceNr()))
        .build();
  }
}
