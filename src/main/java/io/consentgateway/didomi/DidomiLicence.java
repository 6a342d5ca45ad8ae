package io.consentgateway.didomi;

import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.RemoteCallException.Kind;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import io.consentgateway.didomi.DidomiWriteResult.Retryable;
import io.consentgateway.remote.CachedToken;
import io.consentgateway.remote.Licence;
import io.consentgateway.remote.RemoteCallGuard;
import io.consentgateway.remote.RemoteCallGuard.Trouble;
import io.consentgateway.remote.RemoteCallMetrics;
import io.consentgateway.remote.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Didomi API licence — an API key on a Consents API host — shared by every integration that
 * writes back with it: one pacing gate, one circuit breaker (a {@link Licence}) and one session
 * token ({@link DidomiTokens}). Its own calls are the session request ({@code POST /v1/sessions}),
 * which is also its probe: while the breaker is open or the key refused, a session request is the
 * one call that finds out whether Didomi takes calls again. Build the licences of a gateway with
 * {@link DidomiLicences}; a client built alone gets a licence of its own.
 */
public final class DidomiLicence {

  private static final Logger LOG = LoggerFactory.getLogger(DidomiLicence.class);

  private final DidomiClientSettings settings;
  private final String context;
  private final RemoteCallMetrics metrics;
  private final Licence<DidomiOperation> licence;
  private final DidomiTokens tokens;
  private final Clock clock;
  private final Vertx vertx;

  /**
   * @param settings the licence's: base URL, key, secret and limits (the lowest among {@code members})
   * @param members the settings of every integration on the licence
   */
  DidomiLicence(Vertx vertx, DidomiClientSettings settings, List<DidomiClientSettings> members, MeterRegistry registry,
      Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    List<String> ids = members.stream().map(DidomiClientSettings::integrationId).toList();
    this.context = members.stream().map(DidomiClientSettings::describe).collect(Collectors.joining(", "));
    this.metrics = new RemoteCallMetrics(Objects.requireNonNull(registry, "registry"), "didomi", "Didomi",
        String.join(",", ids));
    long perMinute = settings.callsPerWindow() * 60_000L / Math.max(1, settings.rateWindow().toMillis());
    this.licence = new Licence<>(vertx, Licence.Id.of("Didomi", settings.baseUrl(), settings.apiKey()), ids,
        (int) Math.min(Integer.MAX_VALUE, perMinute), context,
        new RemoteCallGuard.Limits(settings.maxConcurrency(), settings.callsPerWindow(), settings.rateWindow(),
            settings.maxQueued(), settings.timeout(), settings.breakerMaxFailures(), settings.breakerResetTimeout()),
        failures(context), metrics, LOG, clock, settings.authRetryInterval(), settings.maxBackoff());
    this.tokens = new DidomiTokens(vertx, Ticker.of(clock), this::fetchToken, settings.tokenRefreshMargin(), licence::keyRefusalHold);
    licence.probes(tokens::probe, tokens::probe);
    metrics.watchAuth(() -> tokens.authFailure() != null, "1 while Didomi refuses the API key or secret");
  }

  Vertx vertx() {
    return vertx;
  }

  static DidomiLicence solo(Vertx vertx, DidomiClientSettings settings, MeterRegistry registry, Clock clock) {
    return new DidomiLicence(vertx, settings, List.of(settings), registry, clock);
  }

  public DidomiClientSettings settings() {
    return settings;
  }

  /** Blocked or not, why, and the integrations sharing it. */
  public Licence<DidomiOperation> licence() {
    return licence;
  }

  public boolean blocked() {
    return licence.blocked();
  }

  DidomiTokens tokens() {
    return tokens;
  }

  RemoteCallGuard<DidomiOperation> guard() {
    return licence.guard();
  }

  /** The failures of calls made for {@code describe} (an integration, or the licence's integrations). */
  RemoteCallGuard.Failures<DidomiOperation> failures(String describe) {
    return new RemoteCallGuard.Failures<>() {
      @Override
      public RuntimeException failure(Trouble trouble, DidomiOperation op, int status, String body,
          Duration retryAfter, String detail, Throwable cause) {
        // every trouble has a retry reason of the same name
        String message = message(describe, op, status, truncate(body), detail);
        return new RemoteCallException(Kind.RETRYABLE, RetryReason.valueOf(trouble.name()), op, status, body,
            retryAfter, message, cause);
      }

      @Override
      public String outcome(int status) {
        return DidomiClient.outcome(status);
      }
    };
  }

  public void close() {
    licence.close();
  }

  private Future<CachedToken.Issued> fetchToken() {
    Buffer body = new JsonObject()
        .put("type", "api-key")
        .put("key", settings.apiKey().reveal())
        .put("secret", settings.apiSecret().reveal())
        .toBuffer();
    return licence.guard().call(DidomiOperation.TOKEN, HttpMethod.POST, settings.baseUrl() + "/v1/sessions", body, null,
        true).transform(ar -> {
      if (ar.failed()) {
        metrics.countTokenRefresh("failure");
        return Future.failedFuture(ar.cause());
      }
      HttpResponse<Buffer> response = ar.result();
      int status = response.statusCode();
      if (status < 200 || status >= 300) {
        metrics.countTokenRefresh("failure");
        String message = message(context, DidomiOperation.TOKEN, status, truncate(response.bodyAsString()),
            "the API key or secret is refused; fix bidirectional.didomiApi");
        LOG.error("{}", message);
        licence.keyRefused(message);
        return Future.failedFuture(new RemoteCallException(Kind.AUTH_FAILED, RetryReason.NONE, DidomiOperation.TOKEN,
            status, response.bodyAsString(), null, message, null));
      }
      String token;
      try {
        token = response.bodyAsJsonObject().getString("access_token");
      } catch (RuntimeException e) {
        token = null;
      }
      if (token == null || token.isBlank()) {
        metrics.countTokenRefresh("failure");
        String message = message(context, DidomiOperation.TOKEN, status, null, "answer without access_token");
        return Future.failedFuture(new RemoteCallException(Kind.RETRYABLE, RetryReason.SERVER_ERROR,
            DidomiOperation.TOKEN, status, null, null, message, null));
      }
      metrics.countTokenRefresh("success");
      licence.keyAccepted();
      return Future.succeededFuture(new CachedToken.Issued(token,
          DidomiTokens.lifetime(token, clock.millis(), DidomiClientSettings.DEFAULT_TOKEN_LIFETIME)));
    });
  }

  static String message(String describe, DidomiOperation op, int status, String body, String detail) {
    var sb = new StringBuilder("Didomi ").append(op).append(" for ").append(describe);
    if (status != 0) {
      sb.append(": status ").append(status);
    }
    if (detail != null) {
      sb.append(status != 0 ? ", " : ": ").append(detail);
    }
    if (body != null && !body.isEmpty()) {
      sb.append(", body ").append(body);
    }
    return sb.toString();
  }

  static String truncate(String body) {
    return RemoteCallException.truncate(body);
  }
}
