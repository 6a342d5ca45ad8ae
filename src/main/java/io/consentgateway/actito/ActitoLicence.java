package io.consentgateway.actito;

import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.RemoteCallException.Kind;
import io.consentgateway.remote.RemoteCallException.RetryReason;
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
 * One Actito licence — an API key on a host (docs/design.md §2) — shared by every integration on it:
 * one pacing gate, one circuit breaker (a {@link Licence}) and one token ({@link ActitoTokens}).
 * Each integration's {@link ActitoClient} makes its entity's and table's calls through it, so
 * together they never exceed the licence's {@code maxConcurrency} and {@code callsPerMinute}.
 *
 * <p>The licence's own calls are the token request ({@code GET /auth/token}, which also tells it
 * whether the key is refused) and, while its breaker is open, the probe: the table-structure read
 * of its first integration's entity. Build the licences of a gateway with {@link ActitoLicences};
 * a client built alone gets a licence of its own.
 */
public final class ActitoLicence {

  private static final Logger LOG = LoggerFactory.getLogger(ActitoLicence.class);

  private final ActitoClientSettings settings;
  private final String context;
  private final RemoteCallMetrics metrics;
  private final Licence<ActitoOperation> licence;
  private final ActitoTokens tokens;

  /**
   * @param settings the licence's: base URL, key and limits (the lowest among {@code members}),
   *     and the entity its probe reads
   * @param members the settings of every integration on the licence
   */
  ActitoLicence(Vertx vertx, ActitoClientSettings settings, List<ActitoClientSettings> members, MeterRegistry registry,
      Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    if (settings.baseUrl().startsWith(io.consentgateway.config.ActitoConfig.SANDBOX)) {
      throw new IllegalArgumentException("baseUrl 'sandbox' must be resolved to the started sandbox's URL "
          + "(ActitoClientSettings.withBaseUrl) for " + settings.describe());
    }
    List<String> ids = members.stream().map(ActitoClientSettings::integrationId).toList();
    this.context = members.stream().map(ActitoClientSettings::describe).collect(Collectors.joining(", "));
    this.metrics = new RemoteCallMetrics(Objects.requireNonNull(registry, "registry"), "actito", "Actito",
        String.join(",", ids));
    this.licence = new Licence<>(vertx, Licence.Id.of("Actito", settings.baseUrl(), settings.apiKey()), ids,
        settings.callsPerMinute(), context,
        new RemoteCallGuard.Limits(settings.maxConcurrency(), settings.callsPerMinute(),
            settings.rateWindow().plus(settings.rateMargin()), settings.maxQueued(), settings.timeout(),
            settings.breakerMaxFailures(), settings.breakerResetTimeout()),
        failures(context), metrics, LOG, clock, settings.authRetryInterval(), settings.maxBackoff());
    this.tokens = new ActitoTokens(vertx, Ticker.of(clock), this::fetchToken, settings.tokenRefreshMargin(), licence::keyRefusalHold);
    licence.probes(this::probe, tokens::probe);
    metrics.watchAuth(() -> tokens.authFailure() != null, "1 while Actito refuses the API key");
  }

  /** A licence for one integration alone. */
  static ActitoLicence solo(Vertx vertx, ActitoClientSettings settings, MeterRegistry registry, Clock clock) {
    return new ActitoLicence(vertx, settings, List.of(settings), registry, clock);
  }

  /** The base URL, key and limits the licence is paced to. */
  public ActitoClientSettings settings() {
    return settings;
  }

  /** Blocked or not, why, and the integrations sharing it. */
  public Licence<ActitoOperation> licence() {
    return licence;
  }

  public boolean blocked() {
    return licence.blocked();
  }

  ActitoTokens tokens() {
    return tokens;
  }

  RemoteCallGuard<ActitoOperation> guard() {
    return licence.guard();
  }

  /** The failures of calls made for {@code describe} (an integration, or the licence's integrations). */
  RemoteCallGuard.Failures<ActitoOperation> failures(String describe) {
    return new RemoteCallGuard.Failures<>() {
      @Override
      public RuntimeException failure(Trouble trouble, ActitoOperation op, int status, String body,
          Duration retryAfter, String detail, Throwable cause) {
        // every trouble has a retry reason of the same name
        return ActitoFailure.of(Kind.RETRYABLE, RetryReason.valueOf(trouble.name()), op, describe, status, body,
            retryAfter, detail, cause);
      }

      @Override
      public String outcome(int status) {
        return ActitoClient.outcome(status);
      }
    };
  }

  public void close() {
    licence.close();
  }

  // the probe while the breaker is open: a cheap read that needs the key, counted as a call like any other
  private Future<?> probe() {
    String url = settings.baseUrl() + "/profile-table-structure/v5/entities/" + ActitoClient.encode(settings.entity())
        + "/profile-tables";
    return licence.guard().callWithBearer(tokens, ActitoOperation.TABLE_STRUCTURE, HttpMethod.GET, url, null);
  }

  private Future<ActitoTokens.IssuedToken> fetchToken() {
    // the raw key, no "Bearer": Actito's token endpoint takes the API key itself
    return licence.guard().call(ActitoOperation.TOKEN, HttpMethod.GET, settings.baseUrl() + "/auth/token", null,
        settings.apiKey().reveal(), true).transform(ar -> {
          if (ar.failed()) {
            metrics.countTokenRefresh("failure");
            return Future.failedFuture(ar.cause());
          }
          HttpResponse<Buffer> response = ar.result();
          int status = response.statusCode();
          if (status < 200 || status >= 300) {
            metrics.countTokenRefresh("failure");
            RemoteCallException refused = ActitoFailure.of(Kind.AUTH_FAILED, RetryReason.NONE,
                ActitoOperation.TOKEN, context, status, response.bodyAsString(), null,
                "the API key is refused; fix actito.apiKey", null);
            LOG.error("{}", refused.getMessage());
            licence.keyRefused(refused.getMessage());
            return Future.failedFuture(refused);
          }
          try {
            JsonObject json = response.bodyAsJsonObject();
            var issued = new ActitoTokens.IssuedToken(json.getString("accessToken"),
                ActitoTokens.parseExpiresIn(json.getValue("expiresIn")));
            metrics.countTokenRefresh("success");
            licence.keyAccepted();
            return Future.succeededFuture(issued);
          } catch (RuntimeException e) {
            metrics.countTokenRefresh("failure");
            return Future.failedFuture(ActitoFailure.of(Kind.RETRYABLE, RetryReason.SERVER_ERROR,
                ActitoOperation.TOKEN, context, status, null, null, "unreadable token answer", null));
          }
        });
  }
}
