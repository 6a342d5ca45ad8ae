package io.consentgateway.didomi;

import io.consentgateway.mapping.DidomiConsentEvent;
import io.consentgateway.remote.Backoff;
import io.consentgateway.remote.PacingGate;
import io.consentgateway.didomi.DidomiWriteResult.Delivered;
import io.consentgateway.didomi.DidomiWriteResult.Permanent;
import io.consentgateway.didomi.DidomiWriteResult.Retryable;
import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import io.consentgateway.remote.RemoteCallGuard;
import io.consentgateway.remote.RemoteCallMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The non-blocking client of Didomi's Consents API (docs/design.md §2, Didomi Consents API) for one integration's reverse
 * flow, shared by every verticle instance of the process. Every call — token requests included —
 * goes through the integration's {@link DidomiLicence}, shared with the integrations on the same
 * key and host: one {@link PacingGate} ({@code maxConcurrency} in flight, {@code callsPerWindow}
 * started per sliding window, a bounded waiting queue), one {@code vertx-circuit-breaker} and one
 * token, with a timeout on each call. The token comes from {@code POST /v1/sessions} ({@code {"type": "api-key", "key",
 * "secret"}}), is cached until shortly before its JWT {@code exp} (1 hour when it carries none) and
 * fetched once however many calls wait; a 401 triggers one refresh and one retry.
 *
 * <p>Write-backs are batched: those issued within {@value #BATCH_LINGER_MILLIS} ms of the first,
 * up to {@value #MAX_EVENTS_PER_REQUEST}, share one request whose body is the array of their
 * events (one alone is sent as itself). A batch answered 2xx delivers each event; one refused as a
 * whole (400, 409, 422…) is sent again event by event, so that each gets its own answer; a
 * retryable failure or a refused key is each event's.
 *
 * <p>{@link #writeConsentEvent} always succeeds, with a {@link DidomiWriteResult} on the caller's
 * context: 2xx → {@link Delivered}; 409 to an event carrying an {@code id} → {@link Delivered} with
 * {@code alreadyImported} (Didomi dedups by id: an earlier attempt got through); 400/404/422 and
 * other client errors → {@link Permanent} with Didomi's status and body; 429, 5xx, 408, timeout,
 * connection error, full queue, open breaker → {@link Retryable} with Didomi's {@code Retry-After}
 * (or the breaker's remaining open time); a refused key or secret, or 401/403 even with a fresh
 * token → {@link Retryable} with {@code authFailed}. The client never retries beyond the single 401
 * refresh: the dispatcher schedules retries (see {@link Backoff}).
 *
 * <p>Metrics (tag {@code integration} on all): {@code didomi.calls} (counter — {@code
 * didomi_calls_total} in Prometheus — tags {@code operation}, {@code outcome}), {@code
 * didomi.call.duration} (timer, tag {@code operation}), {@code didomi.calls.inflight}, {@code
 * didomi.calls.queued}, {@code didomi.breaker.state} (0 closed, 1 half-open, 2 open), {@code
 * didomi.auth.failed} (0/1), {@code didomi.token.refreshes} (counter, tag {@code outcome}). No
 * secret or token ever reaches a tag, a log or a result.
 */
public final class DidomiClient {

  private static final Logger LOG = LoggerFactory.getLogger(DidomiClient.class);

  private final DidomiClientSettings settings;
  private final DidomiLicence licence;
  private final boolean ownsLicence;
  private final RemoteCallMetrics metrics;
  private final RemoteCallGuard.Caller<DidomiOperation> caller;

  /** A client with a licence of its own: closing the client closes the licence. */
  public DidomiClient(Vertx vertx, DidomiClientSettings settings, MeterRegistry registry) {
    this(vertx, settings, registry, Clock.systemUTC());
  }

  /** As above, the licence reading time from {@code clock} (and {@link io.consentgateway.remote.Ticker#of its ticker}). */
  public DidomiClient(Vertx vertx, DidomiClientSettings settings, MeterRegistry registry, Clock clock) {
    this(DidomiLicence.solo(Objects.requireNonNull(vertx, "vertx"), settings, registry, clock), settings, registry, true);
  }

  /** A client of one integration on a shared {@code licence} ({@link DidomiLicences}). */
  public DidomiClient(DidomiLicence licence, DidomiClientSettings settings, MeterRegistry registry) {
    this(licence, settings, registry, false);
  }

  private DidomiClient(DidomiLicence licence, DidomiClientSettings settings, MeterRegistry registry, boolean ownsLicence) {
    this.licence = Objects.requireNonNull(licence, "licence");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.ownsLicence = ownsLicence;
    this.metrics = new RemoteCallMetrics(Objects.requireNonNull(registry, "registry"), "didomi", "Didomi",
        settings.integrationId());
    this.caller = new RemoteCallGuard.Caller<>(licence.failures(settings.describe()), metrics);
  }

  /** The licence this integration's write-backs go through. */
  public DidomiLicence licence() {
    return licence;
  }

  public DidomiClientSettings settings() {
    return settings;
  }

  /**
   * {@code POST {base}/v1/consents/events?organization_id={organizationId}} with {@code event} (the
   * body of {@link DidomiConsentEvent#json()}). The future always succeeds, with what became of it.
   */
  public Future<DidomiWriteResult> writeConsentEvent(String organizationId, JsonObject event) {
    Objects.requireNonNull(organizationId, "organizationId");
    Objects.requireNonNull(event, "event");
    Context context = Vertx.currentContext();
    Promise<DidomiWriteResult> promise = Promise.promise();
    List<Pending> full = null;
    boolean first;
    synchronized (batches) {
      List<Pending> batch = batches.computeIfAbsent(organizationId, org -> new ArrayList<>());
      batch.add(new Pending(event, promise, context));
      first = batch.size() == 1;
      if (batch.size() >= MAX_EVENTS_PER_REQUEST) {
        full = batches.remove(organizationId);
      }
    }
    if (full != null) {
      send(organizationId, full);
    } else if (first) {
      licence.vertx().setTimer(BATCH_LINGER_MILLIS, t -> {
        List<Pending> due;
        synchronized (batches) {
          due = batches.remove(organizationId);
        }
        if (due != null) {
          send(organizationId, due);
        }
      });
    }
    return promise.future();
  }

  // ---- batching: the write-backs of about 20 ms, up to 100, in one request ----

  /** The most events one request carries (Didomi takes an array of up to 100). */
  public static final int MAX_EVENTS_PER_REQUEST = 100;
  /** How long a write-back waits for others to share its request. */
  public static final long BATCH_LINGER_MILLIS = 20;

  private record Pending(JsonObject event, Promise<DidomiWriteResult> promise, Context context) {
    void complete(DidomiWriteResult result) {
      if (context == null) {
        promise.complete(result);
      } else {
        context.runOnContext(v -> promise.complete(result)); // on the caller's context
      }
    }
  }

  private final Map<String, List<Pending>> batches = new HashMap<>();

  private void send(String organizationId, List<Pending> batch) {
    if (batch.size() == 1) {
      Pending one = batch.get(0);
      writeOne(organizationId, one.event()).onComplete(done -> one.complete(done.result()));
      return;
    }
    JsonArray events = new JsonArray();
    batch.forEach(one -> events.add(one.event()));
    licence.guard().callWithBearer(caller, licence.tokens(), DidomiOperation.WRITE_EVENT, HttpMethod.POST,
        eventsUrl(organizationId), events.toBuffer()).onComplete(ar -> {
          if (ar.failed()) {
            DidomiWriteResult result = resultOf(ar.cause());
            batch.forEach(one -> one.complete(result));
            return;
          }
          HttpResponse<Buffer> response = ar.result();
          int status = response.statusCode();
          if (status >= 200 && status < 300) {
            Set<Object> duplicates = duplicatesIn(response);
            batch.forEach(one -> one.complete(new Delivered(status, duplicates.contains(one.event().getValue("id")))));
          } else if (status == 401 || status == 403 || status == 408) {
            DidomiWriteResult result = classify(response, false);
            batch.forEach(one -> one.complete(result));
          } else {
            // refused as a whole (one bad event, a conflict): each on its own finds which
            LOG.info("{}: Didomi answered {} to {} events in one request: sending them one by one",
                settings.describe(), status, batch.size());
            batch.forEach(one -> writeOne(organizationId, one.event()).onComplete(done -> one.complete(done.result())));
          }
        });
  }

  // the ids Didomi says it had already imported, when its answer names them ({"duplicates": [...]})
  private static Set<Object> duplicatesIn(HttpResponse<Buffer> response) {
    try {
      Object json = response.bodyAsJson(Object.class);
      if (json instanceof JsonObject object && object.getValue("duplicates") instanceof JsonArray ids) {
        return new HashSet<>(ids.getList());
      }
    } catch (RuntimeException e) {
      // an answer without a readable body: nothing named
    }
    return Set.of();
  }

  private String eventsUrl(String organizationId) {
    return settings.baseUrl() + "/v1/consents/events?organization_id="
        + URLEncoder.encode(organizationId, StandardCharsets.UTF_8);
  }

  private Future<DidomiWriteResult> writeOne(String organizationId, JsonObject event) {
    String url = eventsUrl(organizationId);
    Buffer body = event.toBuffer();
    boolean hasId = event.getValue("id") instanceof String;
    // a 401 gets one fresh token and one retry
    return licence.guard().callWithBearer(caller, licence.tokens(), DidomiOperation.WRITE_EVENT, HttpMethod.POST, url, body)
        .transform(ar -> Future.succeededFuture(ar.succeeded()
            ? classify(ar.result(), hasId)
            : resultOf(ar.cause())));
  }

  /** A valid token, fetched if needed: proves the key and secret work. */
  public Future<Void> authenticate() {
    return licence.tokens().current().mapEmpty();
  }

  /** True while Didomi refuses the key or secret. */
  public boolean authFailed() {
    return licence.tokens().authFailure() != null;
  }

  public CircuitBreakerState breakerState() {
    return licence.guard().breakerState();
  }

  /** The gate of this client's licence, for metrics and tests. */
  public PacingGate gate() {
    return licence.guard().gate();
  }

  /** Tokens fetched successfully so far. */
  public long tokenRefreshes() {
    return licence.tokens().refreshes();
  }

  /** Removes this integration's meters; closes the licence too when it is the client's own. */
  public Future<Void> close() {
    metrics.close();
    if (ownsLicence) {
      licence.close();
    }
    return Future.succeededFuture();
  }

  // ---- classification ----

  private DidomiWriteResult classify(HttpResponse<Buffer> response, boolean hasId) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return new Delivered(status, false);
    }
    if (status == 409 && hasId) {
      return new Delivered(status, true);
    }
    String body = truncate(response.bodyAsString());
    if (status == 401 || status == 403) {
      String message = message(DidomiOperation.WRITE_EVENT, status, body,
          status == 401 ? "a fresh token was refused" : "the API key has no access to this organization");
      LOG.error("{}", message);
      return new Retryable(RetryReason.NONE, null, true, message);
    }
    if (status == 408) {
      return new Retryable(RetryReason.TIMEOUT, null, false, message(DidomiOperation.WRITE_EVENT, status, body, null));
    }
    return new Permanent(status, body, message(DidomiOperation.WRITE_EVENT, status, body, "rejected"));
  }

  private DidomiWriteResult resultOf(Throwable failure) {
    if (failure instanceof RemoteCallException e) {
      return DidomiWriteResult.of(e);
    }
    return new Retryable(RetryReason.CONNECTION, null, false,
        message(DidomiOperation.WRITE_EVENT, 0, null, failure.getClass().getSimpleName() + ": " + failure.getMessage()));
  }

  private String message(DidomiOperation op, int status, String body, String detail) {
    return DidomiLicence.message(settings.describe(), op, status, body, detail);
  }

  private static String truncate(String body) {
    return DidomiLicence.truncate(body);
  }

  static String outcome(int status) {
    if (status >= 200 && status < 300) {
      return "success";
    }
    return switch (status) {
      case 401, 403 -> "unauthorized";
      case 409 -> "conflict";
      default -> "client_error";
    };
  }
}
