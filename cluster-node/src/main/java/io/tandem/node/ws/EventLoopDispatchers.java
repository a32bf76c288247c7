package io.tandem.node.ws;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.dispatch.Dispatcher;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceFactory;
import org.apache.pekko.dispatch.ExecutorServiceFactoryProvider;
import org.apache.pekko.dispatch.MessageDispatcher;
import org.apache.pekko.dispatch.MessageDispatcherConfigurator;
import scala.concurrent.duration.Duration;
import scala.concurrent.duration.FiniteDuration;

/**
 * One Pekko dispatcher per Netty event loop, so that a WebSocket's {@link ConnectionActor} runs on
 * the same thread as its socket.
 *
 * <p>Why: on the default dispatcher every inbound frame crossed threads twice (the event loop
 * handing the frame to the actor woke a fork-join worker; the actor asking for the next frame woke
 * the event loop again), and the workers parked after each message. On this project's 2-core
 * machine those wake-ups and parks were about a quarter of a node's CPU under the side-by-side
 * presence load (docs/benchmarks.md, eighth session). On its own loop, the actor's mailbox is a
 * task the loop runs after its reads: an actor told from the loop itself costs no wake-up, and
 * asking for the next frame is a call on the same thread.
 *
 * <p>Nothing a connection actor does may block: token checks run on their own dispatcher, and
 * encoding and decoding already ran on the loop. Messages from other threads (hubs, entities'
 * answers, timers) reach the actor as loop tasks, like the outbox's offers already did.
 *
 * <p>A dispatcher's executor is never shut by Pekko here (a dispatcher with no actor left shuts its
 * executor after {@code shutdown-timeout}; the loop is Netty's). Once the loop itself is shutting
 * down, mailboxes run on the fallback executor (the default dispatcher's) instead of being refused.
 */
final class EventLoopDispatchers {
  private static final String PREFIX = "tandem.ws.event-loop-dispatcher-";

  private final Map<EventExecutor, Props> props = new IdentityHashMap<>();

  private EventLoopDispatchers() {}

  /**
   * Registers one dispatcher per loop of {@code loops} with the actor system; {@code throughput}
   * messages of one actor run before the loop turns to its other work.
   */
  static EventLoopDispatchers register(
      ActorSystem<?> system, EventLoopGroup loops, int throughput) {
    EventLoopDispatchers dispatchers = new EventLoopDispatchers();
    var classic = system.classicSystem();
    DispatcherPrerequisites prerequisites = classic.dispatchers().prerequisites();
    Executor fallback = system.executionContext();
    Config defaults = system.settings().config().getConfig("pekko.actor.default-dispatcher");
    int i = 0;
    for (EventExecutor executor : loops) {
      String id = PREFIX + System.identityHashCode(loops) + "-" + i++;
      Config config =
          ConfigFactory.parseMap(Map.of("id", id, "throughput", throughput)).withFallback(defaults);
      EventLoop loop = (EventLoop) executor;
      boolean added =
          classic
              .dispatchers()
              .registerConfigurator(
                  id, new Configurator(config, prerequisites, id, throughput, loop, fallback));
      if (!added) {
        throw new IllegalStateException("dispatcher " + id + " is registered already");
      }
      dispatchers.props.put(executor, DispatcherSelector.fromConfig(id));
    }
    return dispatchers;
  }

  /** The props that put an actor on {@code loop}'s dispatcher. */
  Props on(EventLoop loop) {
    Props p = props.get(loop);
    if (p == null) {
      throw new IllegalArgumentException("not a loop of this transport: " + loop);
    }
    return p;
  }

  /** How many loops have a dispatcher. */
  int size() {
    return props.size();
  }

  private static final class Configurator extends MessageDispatcherConfigurator {
    private final Dispatcher dispatcher;

    Configurator(
        Config config,
        DispatcherPrerequisites prerequisites,
        String id,
        int throughput,
        EventLoop loop,
        Executor fallback) {
      super(config, prerequisites);
      ExecutorServiceFactoryProvider provider =
          new ExecutorServiceFactoryProvider() {
            @Override
            public ExecutorServiceFactory createExecutorServiceFactory(
                String name, java.util.concurrent.ThreadFactory threadFactory) {
              return () -> new OnLoop(loop, fallback);
            }
          };
      this.dispatcher =
          new Dispatcher(
              this,
              id,
              throughput,
              Duration.Zero(), // no deadline: throughput alone ends a turn
              provider,
              FiniteDuration.apply(
                  config.getDuration("shutdown-timeout").toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    public MessageDispatcher dispatcher() {
      return dispatcher;
    }
  }

  /**
   * The loop as an executor service whose shutdown leaves the loop alone: Pekko shuts a
   * dispatcher's executor whenever its last actor stopped a while ago, and makes a new one later.
   */
  static final class OnLoop extends AbstractExecutorService {
    private final EventLoop loop;
    private final Executor fallback;
    private volatile boolean shut;

    OnLoop(EventLoop loop, Executor fallback) {
      this.loop = loop;
      this.fallback = fallback;
    }

    @Override
    public void execute(Runnable task) {
      if (!loop.isShuttingDown()) {
        try {
          loop.execute(task);
          return;
        } catch (RejectedExecutionException e) {
          // the loop began shutting down in between: the fallback runs it
        }
      }
      fallback.execute(task);
    }

    @Override
    public void shutdown() {
      shut = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shut = true;
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return shut;
    }

    @Override
    public boolean isTerminated() {
      return shut;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return shut;
    }
  }

  /** For tests: an executor service over {@code loop} as the dispatchers use it. */
  static ExecutorService onLoop(EventLoop loop, Executor fallback) {
    return new OnLoop(loop, fallback);
  }
}
