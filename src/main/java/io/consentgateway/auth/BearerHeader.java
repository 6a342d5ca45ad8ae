package io.consentgateway.auth;

import java.util.Optional;

/**
 * Reads the token of an {@code Authorization: Bearer <token>} header, the one way every listener
 * of the gateway does it: the scheme is matched case-insensitively and must be followed by a
 * space; the token is what follows, trimmed. A header with the scheme and nothing after it yields
 * an empty token (present, so the caller refuses it as a wrong token, not as a missing one).
 */
public final class BearerHeader {

  private static final String SCHEME = "Bearer ";

  private BearerHeader() {}

  /** The token of {@code headerValue}; empty when the header is absent or not a bearer one. */
  public static Optional<String> token(String headerValue) {
    if (headerValue == null || !headerValue.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return Optional.empty();
    }
    return Optional.of(headerValue.substring(SCHEME.length()).trim());
  }
}
