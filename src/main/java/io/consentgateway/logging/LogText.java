package io.consentgateway.logging;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Text a caller chose, made fit for a log line or an error detail: every control character (C0,
 * DEL, C1, the Unicode line and paragraph separators) and the backslash are written as escapes,
 * so that no input can end a log line and forge the next one, and the result is at most {@link
 * #MAX_CHARS} characters of the input. {@link #fingerprint} stands for text that must never be
 * shown (it may be a secret typed into the wrong field) yet should be recognisable when it recurs.
 */
public final class LogText {

  public static final int MAX_CHARS = 64;

  private LogText() {}

  public static String of(String untrusted) {
    if (untrusted == null) {
      return "null";
    }
    boolean cut = untrusted.length() > MAX_CHARS;
    String text = cut ? untrusted.substring(0, MAX_CHARS) : untrusted;
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean escape = c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029' || c == '\\'
          || Character.isSurrogate(c) && !pairedAt(text, i);
      if (escape && out == null) {
        out = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      if (out != null) {
        if (escape) {
          out.append(c == '\\' ? "\\\\" : String.format("\\u%04x", (int) c));
        } else {
          out.append(c);
        }
      }
    }
    String escaped = out == null ? text : out.toString();
    return cut ? escaped + "…" : escaped;
  }

  /** The first 8 hex digits of the text's SHA-256: the same text always shows the same way. */
  public static String fingerprint(String secretLike) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((secretLike == null ? "" : secretLike).getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static boolean pairedAt(String text, int i) {
    char c = text.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
  }
}
