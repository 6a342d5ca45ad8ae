package io.consentgateway.sandbox;

import io.vertx.core.AsyncResult;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;

/**
 * How one attempt to post a webhook went: the target's HTTP status (0: no answer), whether it
 * accepted the webhook (2xx), and, when not, why.
 */
public record WebhookAttempt(int status, boolean delivered, String error) {

  /** The outcome of a post, from what the web client completed it with. */
  public static WebhookAttempt of(AsyncResult<? extends HttpResponse<?>> result) {
    int status = result.succeeded() ? result.result().statusCode() : 0;
    boolean delivered = status >= 200 && status < 300;
    String error = delivered ? null
        : result.failed() ? result.cause().getClass().getSimpleName() + ": " + result.cause().getMessage()
        : "target answered " + status;
    return new WebhookAttempt(status, delivered, error);
  }

  /** Whether another attempt may succeed: no answer, 408, 429 or a 5xx. */
  public boolean retryable() {
    return !delivered && (status == 0 || status == 408 || status == 429 || status >= 500);
  }

  /** How long to wait after attempt {@code attempt} (from 1): the retry delay that many times, at least 1 ms. */
  public static long retryDelayMs(Duration retryDelay, int attempt) {
    return Math.max(1, retryDelay.toMillis() * attempt);
  }
}
