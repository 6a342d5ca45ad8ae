package io.consentgateway.auth;

import io.consentgateway.http.JsonErrors;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /oauth/token}: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4). Credentials come
 * in the form body ({@code client_id}, {@code client_secret}) or as HTTP Basic (§2.3.1).
 */
public final class OAuthTokenHandler implements Handler<RoutingContext> {

  private static final Logger log = LoggerFactory.getLogger(OAuthTokenHandler.class);

  private final ClientRegistry clients;
  private final AccessTokens tokens;

  public OAuthTokenHandler(ClientRegistry clients, AccessTokens tokens) {
    this.clients = Objects.requireNonNull(clients, "clients");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
  }

  @Override
  public void handle(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    if (contentType == null || !contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      oauthError(ctx, 400, "invalid_request", "the body must be application/x-www-form-urlencoded");
      return;
    }
    MultiMap form = ctx.request().formAttributes();
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
        unauthorized(ctx, "malformed Basic credentials");
        return;
      }
      clientId = pair[0];
      clientSecret = pair[1];
    }
    Optional<String> client = clients.authenticate(clientId, clientSecret);
    if (client.isEmpty()) {
      String shown = clientId == null ? null : clientId.length() > 64 ? clientId.substring(0, 64) + "…" : clientId;
      log.warn("token refused for client id '{}' from {}", shown, ctx.request().remoteAddress());
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

  private static void unauthorized(RoutingContext ctx, String detail) {
    ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"consent-gateway\"");
    oauthError(ctx, 401, "invalid_client", detail);
  }

  private static void oauthError(RoutingContext ctx, int status, String error, String detail) {
    ctx.response().putHeader("Cache-Control", "no-store");
    JsonErrors.send(ctx, status, error, detail);
  }
}
