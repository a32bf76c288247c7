package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.tandem.node.testing.LocalActors;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EventLoopDispatchersTest {
  private static final ActorTestKit KIT =
      ActorTestKit.create("EventLoopDispatchersTest", LocalActors.config());
  private static NioEventLoopGroup loops;
  private static EventLoopDispatchers dispatchers;

  @BeforeAll
  static void register() {
    loops = new NioEventLoopGroup(2);
    dispatchers = EventLoopDispatchers.register(KIT.system(), loops, 8);
  }

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** Answers every message with the thread it ran on and whether that is {@code loop}'s thread. */
  private static Behavior<ActorRef<String>> reportThread(EventLoop loop) {
    return Behaviors.receiveMessage(
        replyTo -> {
          replyTo.tell(Thread.currentThread().getName() + " " + loop.inEventLoop());
          return Behaviors.same();
        });
  }

  @Test
  void anActorRunsOnTheLoopItWasGiven() {
    assertEquals(2, dispatchers.size());
    Set<String> threads = new HashSet<>();
    for (var executor : loops) {
      EventLoop loop = (EventLoop) executor;
      ActorRef<ActorRef<String>> actor = KIT.spawn(reportThread(loop), dispatchers.on(loop));
      TestProbe<String> probe = KIT.createTestProbe();
      for (int i = 0; i < 20; i++) {
        actor.tell(probe.getRef());
        String answer = probe.receiveMessage();
        assertTrue(answer.endsWith(" true"), "ran off its loop: " + answer);
        threads.add(answer.substring(0, answer.indexOf(' ')));
      }
    }
    // two loops, two threads: every message of an actor on the thread of its own loop
    assertEquals(2, threads.size(), threads.toString());
  }

  @Test
  void aLoopOfAnotherGroupIsRefused() {
    NioEventLoopGroup other = new NioEventLoopGroup(1);
    try {
      assertThrows(IllegalArgumentException.class, () -> dispatchers.on(other.next()));
    } finally {
      other.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void shuttingTheExecutorLeavesTheLoopRunning() throws Exception {
    EventLoop loop = loops.next();
    ExecutorService onLoop = EventLoopDispatchers.onLoop(loop, Runnable::run);
    // what Pekko does to a dispatcher's executor when its last actor stopped a while ago
    onLoop.shutdown();
    assertTrue(onLoop.isShutdown());
    assertFalse(loop.isShuttingDown());
    CompletableFuture<Boolean> ran = new CompletableFuture<>();
    loop.execute(() -> ran.complete(loop.inEventLoop()));
    assertTrue(ran.get(5, TimeUnit.SECONDS));
  }

  @Test
  void onceTheLoopShutsDownTasksRunOnTheFallback() throws Exception {
    NioEventLoopGroup ending = new NioEventLoopGroup(1);
    EventLoop loop = ending.next();
    ending.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    CompletableFuture<String> ran = new CompletableFuture<>();
    ExecutorService onLoop =
        EventLoopDispatchers.onLoop(loop, task -> new Thread(task, "fallback").start());
    onLoop.execute(() -> ran.complete(Thread.currentThread().getName()));
    assertEquals("fallback", ran.get(5, TimeUnit.SECONDS));
  }
}
