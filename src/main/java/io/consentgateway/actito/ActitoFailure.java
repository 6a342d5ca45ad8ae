package io.consentgateway.actito;

import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.RemoteCallException.Kind;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import java.time.Duration;

/**
 * Actito's wording of the one failure model ({@link RemoteCallException}): the message names the
 * integration, entity, table and operation, and Actito's status and body; never the API key nor a
 * token.
 */
final class ActitoFailure {

  private ActitoFailure() {}

  static RemoteCallException of(Kind kind, RetryReason retryReason, ActitoOperation operation, String context,
      int status, String body, Duration retryAfter, String detail, Throwable cause) {
    return new RemoteCallException(kind, retryReason, operation, status, body, retryAfter,
        message(kind, operation, context, status, body, detail), cause);
  }

  private static String message(Kind kind, ActitoOperation operation, String context, int status, String body,
      String detail) {
    var sb = new StringBuilder("Actito ").append(operation).append(" for ").append(context).append(": ");
    sb.append(kind.name().toLowerCase().replace('_', ' '));
    if (status != 0) {
      sb.append(", status ").append(status);
    }
    if (detail != null) {
      sb.append(", ").append(detail);
    }
    if (body != null && !body.isEmpty()) {
      sb.append(", body ").append(RemoteCallException.truncate(body));
    }
    return sb.toString();
  }
}
