package io.consentgateway.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgateway.support.TestClock;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class CachedTokenTest {

  private final TestClock clock = new TestClock();

  /** The failure a remote gives for refused credentials. */
  static final class Refused extends RuntimeException {
    Refused() {
      super("refused", null, false, false);
    }
  }

  /** A token endpoint the test answers by hand: each fetch waits until completed. */
  static final class Endpoint implements Supplier<Future<CachedToken.Issued>> {
    final List<Promise<CachedToken.Issued>> fetches = new ArrayList<>();

    @Override
    public synchronized Future<CachedToken.Issued> get() {
      Promise<CachedToken.Issued> p = Promise.promise();
      fetches.add(p);
      return p.future();
    }

    synchronized int count() {
      return fetches.size();
    }

    synchronized Promise<CachedToken.Issued> last() {
      return fetches.get(fetches.size() - 1);
    }
  }

  private CachedToken<Refused> token(Vertx vertx, Supplier<Future<CachedToken.Issued>> fetch,
      Duration margin, Duration authRetry) {
    return new CachedToken<>(vertx, clock, fetch, f -> f instanceof Refused r ? r : null, margin, authRetry);
  }

  private static void awaitFetches(Endpoint endpoint, int n) throws InterruptedException {
    for (int i = 0; i < 200 && endpoint.count() < n; i++) {
      Thread.sleep(10);
    }
    assertThat(endpoint.count()).isEqualTo(n);
  }

  @Test
  void manyWaitingCallersShareOneFetch(Vertx vertx) throws Exception {
    var endpoint = new Endpoint();
    var token = token(vertx, endpoint, Duration.ofSeconds(60), Duration.ofSeconds(60));

    List<Future<String>> waiting = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      waiting.add(token.current());
    }
    awaitFetches(endpoint, 1);
    endpoint.last().complete(new CachedToken.Issued("t1", Duration.ofMinutes(10)));

    assertThat(Future.all(waiting).await().<String>list()).containsOnly("t1");
    assertThat(token.current().await()).isEqualTo("t1");
    assertThat(endpoint.count()).isEqualTo(1);
    assertThat(token.refreshes()).isEqualTo(1);
  }

  @Test
  void tokenIsRefreshedAheadOfExpiryWithTheMarginCappedAtHalfItsLifetime(Vertx vertx) throws Exception {
    AtomicInteger fetches = new AtomicInteger();
    var token = token(vertx,
        () -> Future.succeededFuture(new CachedToken.Issued("t" + fetches.incrementAndGet(), Duration.ofMillis(400))),
        Duration.ofSeconds(60), Duration.ofSeconds(60));

    assertThat(token.current().await()).isEqualTo("t1");
    assertThat(token.current().await()).isEqualTo("t1");
    clock.advance(Duration.ofMillis(199));
    assertThat(token.current().await()).as("a millisecond short of lifetime/2").isEqualTo("t1");
    clock.advance(Duration.ofMillis(51)); // past lifetime/2, before expiry

    assertThat(token.current().await()).isEqualTo("t2");
    assertThat(token.refreshes()).isEqualTo(2);
  }

  @Test
  void aRejectedTokenIsReplacedOnceHoweverManyCallersSawItRejected(Vertx vertx) throws Exception {
    var endpoint = new Endpoint();
    var token = token(vertx, endpoint, Duration.ofSeconds(1), Duration.ofSeconds(60));
    Future<String> first = token.current();
    awaitFetches(endpoint, 1);
    endpoint.last().complete(new CachedToken.Issued("old", Duration.ofMinutes(10)));
    assertThat(first.await()).isEqualTo("old");

    Future<String> a = token.refreshAfterRejection("old");
    Future<String> b = token.refreshAfterRejection("old");
    awaitFetches(endpoint, 1 + 1);
    endpoint.last().complete(new CachedToken.Issued("new", Duration.ofMinutes(10)));

    assertThat(a.await()).isEqualTo("new");
    assertThat(b.await()).isEqualTo("new");
    // a caller late with its rejection of the old token gets the new one, without another fetch
    assertThat(token.refreshAfterRejection("old").await()).isEqualTo("new");
    assertThat(endpoint.count()).isEqualTo(2);
  }

  @Test
  void refusedCredentialsFailFastUntilTheRetryInterval(Vertx vertx) throws Exception {
    AtomicInteger fetches = new AtomicInteger();
    var token = token(vertx, () -> {
      fetches.incrementAndGet();
      return Future.failedFuture(new Refused());
    }, Duration.ofSeconds(60), Duration.ofMillis(300));

    assertThatThrownBy(() -> token.current().await()).isInstanceOf(Refused.class);
    assertThat(token.authFailure()).isInstanceOf(Refused.class);
    assertThatThrownBy(() -> token.current().await()).isInstanceOf(Refused.class);
    assertThat(fetches).hasValue(1);

    clock.advance(Duration.ofMillis(299));
    assertThatThrownBy(() -> token.current().await()).as("still held").isInstanceOf(Refused.class);
    assertThat(fetches).hasValue(1);
    clock.advance(Duration.ofMillis(51));
    assertThatThrownBy(() -> token.current().await()).isInstanceOf(Refused.class);
    assertThat(fetches).hasValue(2);
  }

  @Test
  void aProbeAsksAgainWhileARefusalIsHeldForAsLongAsTheLicenceSays(Vertx vertx) {
    AtomicInteger fetches = new AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<Duration> hold = new java.util.concurrent.atomic.AtomicReference<>(
        Duration.ofHours(1));
    var token = new CachedToken<Refused>(vertx, clock, () -> fetches.incrementAndGet() < 3
        ? Future.failedFuture(new Refused())
        : Future.succeededFuture(new CachedToken.Issued("t", Duration.ofMinutes(10))),
        f -> f instanceof Refused r ? r : null, Duration.ofSeconds(60), hold::get);

    assertThatThrownBy(() -> token.current().await()).isInstanceOf(Refused.class);
    assertThatThrownBy(() -> token.current().await()).as("held for an hour").isInstanceOf(Refused.class);
    assertThat(fetches).hasValue(1);

    assertThatThrownBy(() -> token.probe().await()).isInstanceOf(Refused.class);
    assertThat(fetches).hasValue(2);
    assertThat(token.probe().await()).isEqualTo("t");
    assertThat(token.authFailure()).isNull();
    assertThat(token.current().await()).isEqualTo("t");
    assertThat(fetches).hasValue(3);
  }

  @Test
  void otherFailuresAreNotRememberedAndAFreshTokenClearsARefusal(Vertx vertx) {
    AtomicInteger fetches = new AtomicInteger();
    var token = token(vertx, () -> switch (fetches.incrementAndGet()) {
      case 1 -> Future.failedFuture(new IllegalStateException("server error"));
      case 2 -> Future.failedFuture(new Refused());
      default -> Future.succeededFuture(new CachedToken.Issued("t", Duration.ofMinutes(10)));
    }, Duration.ofSeconds(60), Duration.ZERO);

    assertThatThrownBy(() -> token.current().await()).isInstanceOf(IllegalStateException.class);
    assertThat(token.authFailure()).isNull();
    assertThatThrownBy(() -> token.current().await()).isInstanceOf(Refused.class);
    assertThat(token.authFailure()).isNotNull();
    assertThat(token.current().await()).isEqualTo("t");
    assertThat(token.authFailure()).isNull();
    assertThat(fetches).hasValue(3);
  }

  @Test
  void waitersAreCompletedOnTheirOwnContext(Vertx vertx) throws Exception {
    var endpoint = new Endpoint();
    var token = token(vertx, endpoint, Duration.ofSeconds(60), Duration.ofSeconds(60));
    Context one = vertx.getOrCreateContext();
    Context two = vertx.getOrCreateContext();
    Promise<Context> seenByOne = Promise.promise();
    Promise<Context> seenByTwo = Promise.promise();

    one.runOnContext(v -> token.current().onComplete(ar -> seenByOne.complete(Vertx.currentContext())));
    two.runOnContext(v -> token.current().onComplete(ar -> seenByTwo.complete(Vertx.currentContext())));
    awaitFetches(endpoint, 1);
    endpoint.last().complete(new CachedToken.Issued("t", Duration.ofMinutes(10)));

    assertThat(seenByOne.future().await()).isSameAs(one);
    assertThat(seenByTwo.future().await()).isSameAs(two);
  }

  @Test
  void theIssuedTokenNeverShowsInItsDescription() {
    assertThat(new CachedToken.Issued("secret-token", Duration.ofMinutes(1)).toString())
        .doesNotContain("secret-token");
  }
}
