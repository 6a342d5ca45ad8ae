package io.consentgateway.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The part of a delivery key that no two distinct changes share (docs/design.md, guarantee 2): SHA-256 of the
 * exact bytes, truncated to 128 bits, as 32 lower-case hex digits. A byte-identical redelivery gets
 * the same digest; anything else, a different one (a collision would take some 2^64 attempts).
 * Thread-safe: each thread keeps its own {@link MessageDigest}.
 */
public final class DeliveryDigest {

  private static final int BYTES = 16;
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(DeliveryDigest::sha256);

  private DeliveryDigest() {}

  /** The digest of {@code bytes}. */
  public static String of(byte[] bytes) {
    MessageDigest digest = SHA_256.get();
    digest.reset();
    return hex(digest.digest(bytes));
  }

  /**
   * The digest of {@code first} followed by {@code second} (null reads as empty), length-prefixed
   * so that no other pair of parts gives the same input.
   */
  public static String of(byte[] first, String second) {
    MessageDigest digest = SHA_256.get();
    digest.reset();
    digest.update(new byte[] {(byte) (first.length >>> 24), (byte) (first.length >>> 16), (byte) (first.length >>> 8),
        (byte) first.length});
    digest.update(first);
    if (second != null) {
      digest.update(second.getBytes(StandardCharsets.UTF_8));
    }
    return hex(digest.digest());
  }

  /**
   * {@code text} made fit for the readable part of a delivery key: printable ASCII kept, anything
   * else as {@code _}, at most 64 characters. Only the digest makes a key unique.
   */
  public static String readable(String text) {
    if (text == null || text.isEmpty()) {
      return "-";
    }
    int n = Math.min(text.length(), 64);
    char[] out = new char[n];
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      out[i] = c > 0x20 && c < 0x7f ? c : '_';
    }
    return new String(out);
  }

  private static String hex(byte[] sha) {
    char[] out = new char[BYTES * 2];
    for (int i = 0; i < BYTES; i++) {
      out[2 * i] = HEX[(sha[i] >> 4) & 0xf];
      out[2 * i + 1] = HEX[sha[i] & 0xf];
    }
    return new String(out);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
