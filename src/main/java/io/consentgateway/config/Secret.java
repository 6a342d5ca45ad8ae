package io.consentgateway.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A secret value from the configuration. Its {@link #toString()} never reveals it, so a secret that
 * slips into a log line, an exception message or a record's string form prints as {@code ****}.
 */
public final class Secret {

  private static final Secret EMPTY = new Secret("");

  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  public static Secret of(String value) {
    return value == null || value.isEmpty() ? EMPTY : new Secret(value);
  }

  public static Secret empty() {
    return EMPTY;
  }

  /** The clear value, for the one place that must send or compare it. */
  public String reveal() {
    return value;
  }

  public boolean isEmpty() {
    return value.isEmpty();
  }

  /** Constant-time comparison, so response timing does not leak how much of a guess was right. */
  public boolean matches(String candidate) {
    if (candidate == null) {
      return false;
    }
    return MessageDigest.isEqual(
        value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The first 8 hex digits of the value's SHA-256: tells two secrets apart (which licence an
   * integration uses) without revealing either.
   */
  public String fingerprint() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest, 0, 4);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return value.isEmpty() ? "" : "****";
  }
}
