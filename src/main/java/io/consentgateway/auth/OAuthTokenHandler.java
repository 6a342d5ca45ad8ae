package io.consentgateway.auth;

import io.consentgateway.http.BoundedBody;
import io.consentgateway.http.JsonErrors;
import io.consentgateway.logging.LogText;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /oauth/token}: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4). Credentials come
 * in the form body ({@code client_id}, {@code client_secret}) or as HTTP Basic (§2.3.1). Runs after
 * {@link BoundedBody}: the form is decoded here, not by vertx-web, so a repeated parameter can be
 * refused and a body that cannot be read is the body reader's to answer.
 */
public final class OAuthTokenHandler implements Handler<RoutingContext> {

  private static final Logger log = LoggerFactory.getLogger(OAuthTokenHandler.class);

  private final ClientRegistry clients;
  private final AccessTokens tokens;
  private final FailedAuthThrottle throttle;

  public OAuthTokenHandler(ClientRegistry clients, AccessTokens tokens, FailedAuthThrottle throttle) {
    this.clients = Objects.requireNonNull(clients, "clients");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.throttle = Objects.requireNonNull(throttle, "throttle");
  }

  /**
   * Goes before credentials are read: an address out of failures is answered 429 with {@code
   * Retry-After} (true), its credentials unchecked and unlogged; else nothing is sent (false).
   */
  public static boolean refusedAsThrottled(RoutingContext ctx, FailedAuthThrottle throttle) {
    long wait = throttle.retryAfterSeconds(sourceAddress(ctx));
    if (wait == 0) {
      return false;
    }
    ctx.response().putHeader("Retry-After", Long.toString(wait)).putHeader("Cache-Control", "no-store");
    JsonErrors.send(ctx, 429, "too_many_failures",
        "too many failed authentications from this address; retry after " + wait + " s");
    return true;
  }

  /** The caller's IP address, without port: what failures are counted by. */
  public static String sourceAddress(RoutingContext ctx) {
    return ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().hostAddress();
  }

  @Override
  public void handle(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      oauthError(ctx, 400, "invalid_request", "the body must be application/x-www-form-urlencoded");
      return;
    }
    Map<String, String> form;
    try {
      form = decodeForm(BoundedBody.body(ctx).toString(StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      oauthError(ctx, 400, "invalid_request", e.getMessage());
      return;
    }
    String grantType = form.get("grant_type");
    if (grantType == null) {
      oauthError(ctx, 400, "invalid_request", "grant_type is required");
      return;
    }
    if (!grantType.equals("client_credentials")) {
      oauthError(ctx, 400, "unsupported_grant_type", "only client_credentials is supported");
      return;
    }
    String clientId = form.get("client_id");
    String clientSecret = form.get("client_secret");
    String authorization = ctx.request().getHeader("Authorization");
    boolean basic = authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6);
    if (basic) {
      String[] pair = decodeBasic(authorization.substring(6).trim());
      if (pair == null) {
        refused(ctx, "malformed Basic credentials");
        unauthorized(ctx, "malformed Basic credentials");
        return;
      }
      clientId = pair[0];
      clientSecret = pair[1];
    }
    Optional<String> client = clients.authenticate(clientId, clientSecret);
    if (client.isEmpty()) {
      // A configured client id is no secret; anything else may be a secret typed into the wrong
      // field, so it shows as a fingerprint only. The secret itself is never logged.
      refused(ctx, clientId == null ? "no client id"
          : clients.knows(clientId) ? "wrong secret for client '" + LogText.of(clientId) + "'"
          : "unknown client id " + LogText.fingerprint(clientId));
      unauthorized(ctx, "unknown client or wrong secret");
      return;
    }
    ctx.response()
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .putHeader("Pragma", "no-cache")
        .end(new JsonObject()
            .put("access_token", tokens.issue(client.get()))
            .put("token_type", "Bearer")
            .put("expires_in", tokens.ttlSeconds())
            .toBuffer());
  }

  /**
   * The form's parameters by name. RFC 6749 §3.1, §3.2: a parameter sent without a value counts as
   * omitted, and one sent twice makes the request invalid (which of two grant types, or of two
   * client ids, would we honour?).
   *
   * @throws IllegalArgumentException for a repeated parameter or a broken percent escape
   */
  static Map<String, String> decodeForm(String body) {
    Map<String, String> form = new HashMap<>();
    Set<String> seen = new HashSet<>();
    for (String pair : body.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      if (!seen.add(name)) {
        throw new IllegalArgumentException("parameter " + LogText.of(name) + " is repeated");
      }
      if (!value.isEmpty()) {
        form.put(name, value);
      }
    }
    return form;
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the form body holds a broken percent escape");
    }
  }

  private static String[] decodeBasic(String encoded) {
    try {
      String decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        return null;
      }
      return new String[] {
        URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
        URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8)
      };
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private void refused(RoutingContext ctx, String why) {
    String address = sourceAddress(ctx);
    log.info("token refused for a caller at {}: {}", address, why);
    throttle.countFailure(address);
  }

  private static void unauthorized(RoutingContext ctx, String detail) {
    ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"consent-gateway\"");
    oauthError(ctx, 401, "invalid_client", detail);
  }

  private static void oauthError(RoutingContext ctx, int status, String error, String detail) {
    ctx.response().putHeader("Cache-Control", "no-store");
    JsonErrors.send(ctx, status, error, detail);
  }
}
