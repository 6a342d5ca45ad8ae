package io.consentgateway.auth;

import io.consentgateway.config.Secret;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Issues and verifies the bearer tokens Didomi sends with its webhooks: HS256 JWTs signed with
 * {@code auth.signingKey}, carrying the client id and an expiry. Verification needs no store lookup,
 * so every ingest verticle can check a token on its own event loop in microseconds.
 */
public final class AccessTokens {

  static final String ISSUER = "consent-gateway";
  static final String AUDIENCE = "consent-gateway/webhooks";

  private final JWTAuth jwt;
  private final int ttlSeconds;

  public AccessTokens(Vertx vertx, Secret signingKey, int ttlSeconds) {
    Objects.requireNonNull(signingKey, "signingKey");
    if (signingKey.isEmpty()) {
      throw new IllegalArgumentException("a signing key is required");
    }
    this.ttlSeconds = ttlSeconds;
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(signingKey.reveal()))
        .setJWTOptions(new JWTOptions().setIssuer(ISSUER).setAudience(List.of(AUDIENCE)).setLeeway(5)));
  }

  public int ttlSeconds() {
    return ttlSeconds;
  }

  public String issue(String clientId) {
    return jwt.generateToken(
        new JsonObject().put("sub", clientId),
        new JWTOptions()
            .setAlgorithm("HS256")
            .setIssuer(ISSUER)
            .setAudience(List.of(AUDIENCE))
            .setExpiresInSeconds(ttlSeconds));
  }

  /**
   * Succeeds with the client id the token was issued to; fails for a bad, foreign or expired token.
   * Not thread-safe: each event loop keeps its own instance (its cache is unsynchronised).
   */
  public Future<String> verify(String token) {
    Verified cached = verified.get(token);
    if (cached != null) {
      if (cached.expiresAtMillis() > System.currentTimeMillis()) {
        return Future.succeededFuture(cached.clientId());
      }
      verified.remove(token);
    }
    return jwt.authenticate(new TokenCredentials(token)).map(user -> {
      String clientId = clientId(user);
      long exp = ((Number) user.get("exp")).longValue();
      verified.put(token, new Verified(clientId, exp * 1000));
      return clientId;
    });
  }

  private record Verified(String clientId, long expiresAtMillis) {}

  // Didomi reuses one token for an hour of webhooks: verify its signature once, not per request.
  private final Map<String, Verified> verified = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
      return size() > 256;
    }
  };

  private static String clientId(User user) {
    String subject = user.principal().getString("sub");
    if (subject == null) {
      throw new IllegalStateException("token without subject");
    }
    // the JWT library only checks "exp" when present; a token that never expires is not one we issued
    if (!user.containsKey("exp")) {
      throw new IllegalStateException("token without expiry");
    }
    return subject;
  }
}
