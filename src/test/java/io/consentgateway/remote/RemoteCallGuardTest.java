package io.consentgateway.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

@ExtendWith(VertxExtension.class)
class RemoteCallGuardTest {

  enum Op implements RemoteOperation {
    PING;

    @Override
    public String tag() {
      return "ping";
    }
  }

  /** What the guard asked the remote's {@link RemoteCallGuard.Failures} to make. */
  record Made(RemoteCallGuard.Trouble trouble, int status, String body, Duration retryAfter, String detail) {}

  static final class MadeFailure extends RuntimeException {
    final Made made;

    MadeFailure(Made made) {
      super(made.toString(), null, false, false);
      this.made = made;
    }
  }

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<HttpServerRequest> seen = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private RemoteCallGuard<Op> guard;

  @AfterEach
  void stop() {
    if (guard != null) {
      guard.close();
    }
    if (server != null) {
      server.close().await();
    }
  }

  private String start(Vertx vertx, Consumer<HttpServerRequest> answer, int breakerMaxFailures, int maxQueued) {
    server = vertx.createHttpServer().requestHandler(req -> {
      seen.add(req);
      answer.accept(req);
    }).listen(0, "127.0.0.1").await();
    guard = new RemoteCallGuard<>(vertx, "Remote", "remote-test", "integration acme",
        new RemoteCallGuard.Limits(1, 1_000, Duration.ofSeconds(60), maxQueued, Duration.ofMillis(300),
            breakerMaxFailures, Duration.ofSeconds(30)),
        new RemoteCallGuard.Failures<>() {
          @Override
          public RuntimeException failure(RemoteCallGuard.Trouble trouble, Op op, int status, String body,
              Duration retryAfter, String detail, Throwable cause) {
            return new MadeFailure(new Made(trouble, status, body, retryAfter, detail));
          }

          @Override
          public String outcome(int status) {
            return status == 200 ? "success" : "answered_" + status;
          }
        },
        new RemoteCallMetrics(registry, "remote", "Remote", "acme"), LoggerFactory.getLogger(RemoteCallGuardTest.class),
        Clock.systemUTC()); // real HTTP timeouts and a real breaker: real time
    return "http://127.0.0.1:" + server.actualPort() + "/x";
  }

  private Made failureOf(Future<?> call) {
    Throwable t = call.transform(ar -> Future.succeededFuture(ar.cause())).await();
    assertThat(t).isInstanceOf(MadeFailure.class);
    return ((MadeFailure) t).made;
  }

  private double count(String outcome) {
    var c = registry.find("remote.calls").tags("integration", "acme", "operation", "ping", "outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void answersAreHandedBackForTheClientToClassifyAndDoNotOpenTheBreaker(Vertx vertx) {
    String url = start(vertx, req -> req.response().setStatusCode(404).end("{\"missing\":true}"), 1, 10);

    var first = guard.call(Op.PING, HttpMethod.GET, url, null, "Bearer t", false).await();
    var second = guard.call(Op.PING, HttpMethod.POST, url, Buffer.buffer("{}"), null, false).await();

    assertThat(first.statusCode()).isEqualTo(404);
    assertThat(second.bodyAsString()).isEqualTo("{\"missing\":true}");
    assertThat(guard.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
    assertThat(count("answered_404")).isEqualTo(2.0);
    assertThat(seen.get(0).getHeader("Authorization")).isEqualTo("Bearer t");
    assertThat(seen.get(0).getHeader("Content-Type")).isNull();
    assertThat(seen.get(1).getHeader("Authorization")).isNull();
    assertThat(seen.get(1).getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(registry.find("remote.call.duration").tag("operation", "ping").timer().count()).isEqualTo(2);
  }

  @Test
  void rateLimitsAndServerErrorsFailWithTheRemotesRetryAfterAndOpenTheBreaker(Vertx vertx) {
    String url = start(vertx, req -> {
      boolean limited = seen.size() == 1;
      req.response().setStatusCode(limited ? 429 : 503).putHeader("Retry-After", limited ? "7" : "2")
          .end(limited ? "slow down" : "down");
    }, 2, 10);

    Made limited = failureOf(guard.call(Op.PING, HttpMethod.GET, url, null, null, false));
    Made down = failureOf(guard.call(Op.PING, HttpMethod.GET, url, null, null, false));
    Made fastFailed = failureOf(guard.call(Op.PING, HttpMethod.GET, url, null, null, false));

    assertThat(limited).isEqualTo(new Made(RemoteCallGuard.Trouble.RATE_LIMITED, 429, "slow down",
        Duration.ofSeconds(7), null));
    assertThat(down).isEqualTo(new Made(RemoteCallGuard.Trouble.SERVER_ERROR, 503, "down", Duration.ofSeconds(2), null));
    assertThat(guard.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
    assertThat(fastFailed.trouble()).isEqualTo(RemoteCallGuard.Trouble.BREAKER_OPEN);
    assertThat(fastFailed.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30));
    assertThat(seen).hasSize(2); // the open breaker sent nothing
    assertThat(count("rate_limited")).isEqualTo(1.0);
    assertThat(count("server_error")).isEqualTo(1.0);
    assertThat(count("breaker_open")).isEqualTo(1.0);
    assertThat(registry.find("remote.breaker.state").gauge().value()).isEqualTo(2.0);
  }

  @Test
  void noAnswerWithinTheTimeoutIsATimeout(Vertx vertx) {
    String url = start(vertx, req -> { /* never answers */ }, 5, 10);

    Made made = failureOf(guard.call(Op.PING, HttpMethod.GET, url, null, null, false));

    assertThat(made.trouble()).isEqualTo(RemoteCallGuard.Trouble.TIMEOUT);
    assertThat(made.detail()).isEqualTo("no answer within 300 ms");
    assertThat(count("timeout")).isEqualTo(1.0);
  }

  @Test
  void aFullQueueFailsAtOnceWithoutACall(Vertx vertx) {
    String url = start(vertx, req -> vertx.setTimer(100, id -> req.response().end("ok")), 5, 0);

    Future<?> admitted = guard.call(Op.PING, HttpMethod.GET, url, null, null, false);
    Made refused = failureOf(guard.call(Op.PING, HttpMethod.GET, url, null, null, false));
    admitted.await();

    assertThat(refused).isEqualTo(new Made(RemoteCallGuard.Trouble.QUEUE_FULL, 0, null, null,
        "more than 0 Remote calls waiting"));
    assertThat(count("queue_full")).isEqualTo(1.0);
    assertThat(count("success")).isEqualTo(1.0);
  }

  @Test
  void aRefusedBearerTokenIsReplacedOnceAndTheCallRetriedOnce(Vertx vertx) {
    String url = start(vertx, req -> req.response().setStatusCode(401).end(), 5, 10);
    List<String> rejected = new CopyOnWriteArrayList<>();
    BearerToken token = new BearerToken() {
      @Override
      public Future<String> current() {
        return Future.succeededFuture("old");
      }

      @Override
      public Future<String> refreshAfterRejection(String refused) {
        rejected.add(refused);
        return Future.succeededFuture("new");
      }

      @Override
      public String cachedValid() {
        return "old";
      }
    };

    var answer = guard.callWithBearer(token, Op.PING, HttpMethod.GET, url, null).await();

    assertThat(answer.statusCode()).isEqualTo(401); // the retry's answer is the caller's to classify
    assertThat(rejected).containsExactly("old");
    assertThat(seen).extracting(r -> r.getHeader("Authorization")).containsExactly("Bearer old", "Bearer new");
  }

  @Test
  void closeRemovesEveryMeterOfTheIntegration(Vertx vertx) {
    String url = start(vertx, req -> req.response().end("ok"), 5, 10);
    guard.call(Op.PING, HttpMethod.GET, url, null, null, false).await();
    assertThat(registry.getMeters()).isNotEmpty();

    guard.close();
    guard = null;

    assertThat(registry.getMeters()).isEmpty();
  }
}
